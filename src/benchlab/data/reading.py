"""Read a training file (JSONL, JSON list, CSV / TSV) into rows, naming the line of any bad one."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from benchlab.errors import DataError

__all__ = ["read_rows"]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise DataError(f"{path}:{number}: not valid JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise DataError(
                    f"{path}:{number}: expected a JSON object, got {type(row).__name__}"
                )
            rows.append(row)
    return rows


def _json(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        line = getattr(error, "lineno", "?")
        raise DataError(f"{path}:{line}: not valid JSON ({error})") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of objects (or {{'data': [...]}})")
    for index, row in enumerate(data):
        if not isinstance(row, dict):
            raise DataError(f"{path}: element {index} is not a JSON object")
    return data


def _csv(path: Path, delimiter: str) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        for row in reader:
            if None in row:
                raise DataError(
                    f"{path}:{reader.line_num}: more fields than the header's "
                    f"{len(reader.fieldnames or [])}; quote values that contain '{delimiter}'"
                )
            rows.append(dict(row))
    return rows


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a .jsonl, .json, .csv or .tsv file as dicts (DataError names file and line)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    readers = {
        ".jsonl": _jsonl,
        ".json": _json,
        ".csv": lambda p: _csv(p, ","),
        ".tsv": lambda p: _csv(p, "\t"),
    }
    if suffix not in readers:
        raise DataError(f"{path}: unknown format {suffix!r}; use .jsonl, .json, .csv or .tsv")
    try:
        rows = readers[suffix](path)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text ({error.reason})") from None
    if not rows:
        raise DataError(f"{path}: no rows")
    return rows
