#!/usr/bin/env bash
# Set up .venv from the repo and run lint, format check, the import layering contracts
# (pyproject.toml [tool.importlinter]: an import cycle between packages fails here) and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e ".[dev]"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
.venv/bin/pytest "$@"
