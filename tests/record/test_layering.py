"""The runner writes records and the report reads them: neither imports the other.

Imports inside functions count too; `record` itself imports neither (nor any model code).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "benchlab"


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (PACKAGE / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                found.update((path.name, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("runner", ("benchlab.report",)),
        ("report", ("benchlab.runner",)),
        (
            "record",
            ("benchlab.runner", "benchlab.report", "benchlab.backends", "torch", "transformers"),
        ),
    ],
)
def test_no_forbidden_imports(package: str, forbidden: tuple[str, ...]) -> None:
    bad = {
        (name, module)
        for name, module in _imports(package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    }
    assert not bad, f"{package} imports {sorted(bad)}"
