"""Strict reading of a local data file, so every defect is found before a run writes anything.

Each row keeps where it came from, and every message names the file and a 1-based place:
"line 12" in a JSONL file, "line 12 (data row 11)" in a CSV / TSV file with its header on
line 1, "item 3" in a JSON array. Text must be UTF-8; the message for anything else says what
the file looks like (UTF-16, latin-1, binary) and how to fix it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchlab.config.encoding import read_utf8
from benchlab.errors import DataError

__all__ = ["DATA_SUFFIXES", "DataTable", "read_table"]

#: File types a task can read, with the format each one holds.
DATA_SUFFIXES: dict[str, Literal["csv", "tsv", "jsonl", "json"]] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".json": "json",
}


_LONGEST_FIELD = 1 << 30


@dataclass(frozen=True)
class DataTable:
    """The rows of one file, its column names and, per row, the 1-based line or item it is on."""

    path: Path
    kind: Literal["csv", "tsv", "jsonl", "json"]
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    places: tuple[int, ...]

    def where(self, index: int) -> str:
        """Where the row at 0-based `index` is, as a user finds it in an editor."""
        place = self.places[index]
        if self.kind in ("csv", "tsv"):
            return f"line {place} (data row {index + 1})"
        if self.kind == "json":
            return f"item {place}"
        return f"line {place}"


def _jsonl(path: Path, text: str) -> tuple[list[dict[str, Any]], list[int]]:
    rows, places = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            message = getattr(exc, "msg", str(exc))
            raise DataError(
                f"{path}: line {number} is not valid JSON ({message}); fix or remove that line"
            ) from None
        if not isinstance(row, dict):
            raise DataError(
                f"{path}: line {number} is a JSON {type(row).__name__}, not an object "
                '{"field": value, ...}; write one object per line'
            )
        rows.append(row)
        places.append(number)
    return rows, places


def _json(path: Path, text: str) -> tuple[list[dict[str, Any]], list[int]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path}: line {exc.lineno} is not valid JSON ({exc.msg}); fix the file, or use "
            "JSONL (one object per line)"
        ) from None
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON array of objects [{{...}}, ...]")
    for number, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise DataError(
                f"{path}: item {number} of the array is a JSON {type(row).__name__}, not an object"
            )
    return data, list(range(1, len(data) + 1))


def _delimited(
    path: Path, text: str, delimiter: str
) -> tuple[list[str], list[dict[str, Any]], list[int]]:
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    csv.field_size_limit(max(csv.field_size_limit(), _LONGEST_FIELD))  # long documents are fine
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise DataError(f"{path}: the file is empty; add a header line and data rows")
        header = [cell.strip() for cell in header]
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            raise DataError(
                f"{path}: line {reader.line_num}: the header repeats column(s) {repeated}; "
                "give each column its own name"
            )
        if "" in header:
            raise DataError(
                f"{path}: line {reader.line_num}: the header has an empty column name at "
                f"position {header.index('') + 1}; name every column"
            )
        rows, places = [], []
        start = reader.line_num + 1
        for cells in reader:
            if not cells or not any(cell.strip() for cell in cells):
                start = reader.line_num + 1
                continue
            place = f"line {start} (data row {len(rows) + 1})"
            if len(cells) != len(header):
                more = "more" if len(cells) > len(header) else "fewer"
                raise DataError(
                    f"{path}: {place} has {len(cells)} field(s), {more} than the header's "
                    f"{len(header)}; quote values that contain {delimiter!r} or fill the row"
                )
            rows.append(dict(zip(header, cells, strict=True)))
            places.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from None
    return header, rows, places


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


_CACHE: dict[tuple[str, int, int], DataTable] = {}
_CACHED_FILES = 8


def read_table(path: str | Path) -> DataTable:
    """Every row of a local .csv / .tsv / .jsonl / .json file, checked; empty files refused.

    Reads are cached by path, size and modification time, so validating a config and then
    counting its rows reads each file once (the last few files only).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise DataError(
            f"{path}: unsupported file type {suffix or '(no extension)'!r}; save the data as "
            ".csv, .tsv, .jsonl or .json"
        )
    if not path.is_file():
        raise DataError(f"data file not found: {path} (check the task's path)")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _CACHE:
        return _CACHE[key]
    kind = DATA_SUFFIXES[suffix]
    text = read_utf8(path)
    if not text.strip():
        raise DataError(f"{path}: the file is empty; add data rows")
    if kind in ("csv", "tsv"):
        header, rows, places = _delimited(path, text, "\t" if kind == "tsv" else ",")
        if not rows:
            raise DataError(f"{path}: only a header line, no data rows; add rows below the header")
    else:
        rows, places = (_jsonl if kind == "jsonl" else _json)(path, text)
        if not rows:
            raise DataError(f"{path}: no data rows (only blank lines or an empty array)")
        header = _columns(rows)
    table = DataTable(path, kind, tuple(header), tuple(rows), tuple(places))
    while len(_CACHE) >= _CACHED_FILES:
        del _CACHE[next(iter(_CACHE))]
    _CACHE[key] = table
    return table
