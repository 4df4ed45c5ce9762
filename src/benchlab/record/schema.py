"""schemas/results.schema.json, generated from the ExperimentRecord model.

    python -m benchlab.record.schema [PATH]

rewrites the checked-in schema (default: schemas/ of the source checkout); a test fails
when the file and the model drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from benchlab.record.jsonsafe import json_text
from benchlab.record.model import ExperimentRecord

__all__ = ["default_schema_path", "results_schema", "schema_text"]


def results_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of results.json as the runner writes it."""
    schema = ExperimentRecord.model_json_schema(mode="serialization")
    head = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "benchlab/results.schema.json",
    }
    return head | schema


def schema_text() -> str:
    """The schema file's exact text."""
    return json_text(results_schema()) + "\n"


def default_schema_path() -> Path:
    """schemas/results.schema.json of the source checkout this module lives in."""
    return Path(__file__).resolve().parents[3] / "schemas" / "results.schema.json"


def main(argv: list[str]) -> int:
    """Write the schema to argv[0] or the default path."""
    path = Path(argv[0]) if argv else default_schema_path()
    from benchlab.record.atomic import write_text_atomic

    write_text_atomic(path, schema_text())
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
