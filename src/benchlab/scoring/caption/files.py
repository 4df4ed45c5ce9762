"""Read coco-caption's file formats: a results list of candidates and a COCO annotation file.

Candidates are `[{"image_id": ..., "caption": "..."}, ...]` with one caption per image;
references are `{"annotations": [{"image_id": ..., "caption": "..."}, ...], ...}`. Every
problem is a DataError naming the file, the row and the field, raised before anything is scored.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from benchlab.errors import DataError

__all__ = ["load_candidates", "load_references"]


def _read_json(path: Path, what: str) -> Any:
    """Parse a JSON file, turning a missing or malformed file into a DataError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{what} file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{what} file {path} cannot be read as UTF-8 text: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON ({error}); give a {what} JSON file") from None


def _image_id(row: Any, path: Path, where: str) -> Hashable:
    """The row's image_id (an int or a string), or a DataError naming the row."""
    if not isinstance(row, dict):
        raise DataError(f"{path}: {where} is {type(row).__name__}, expected an object")
    if "image_id" not in row:
        raise DataError(f'{path}: {where} has no "image_id" field')
    value = row["image_id"]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DataError(f'{path}: {where} field "image_id" is {value!r}; use an int or a string')
    return value


def _caption(row: dict[str, Any], path: Path, where: str) -> str:
    """The row's caption string, or a DataError naming the row."""
    if "caption" not in row:
        raise DataError(f'{path}: {where} has no "caption" field')
    value = row["caption"]
    if not isinstance(value, str):
        raise DataError(f'{path}: {where} field "caption" is {value!r}; expected a string')
    return value


def load_candidates(path: Path) -> dict[Hashable, str]:
    """Image id -> candidate caption from a coco-caption results file (one caption per image)."""
    rows = _read_json(path, "candidates")
    if not isinstance(rows, list):
        raise DataError(f'{path}: expected a JSON list of {{"image_id", "caption"}} objects')
    if not rows:
        raise DataError(f"{path}: the candidates list is empty")
    candidates: dict[Hashable, str] = {}
    for index, row in enumerate(rows):
        where = f"row {index}"
        image_id = _image_id(row, path, where)
        caption = _caption(row, path, where)
        if image_id in candidates:
            raise DataError(
                f"{path}: {where} repeats image_id {image_id!r}; give one caption per image"
            )
        candidates[image_id] = caption
    return candidates


def load_references(path: Path) -> dict[Hashable, list[str]]:
    """Image id -> reference captions from a COCO annotation file."""
    data = _read_json(path, "references")
    if not isinstance(data, dict) or "annotations" not in data:
        raise DataError(f'{path}: expected a COCO annotation object with an "annotations" list')
    rows = data["annotations"]
    if not isinstance(rows, list):
        raise DataError(f'{path}: field "annotations" is not a list')
    references: dict[Hashable, list[str]] = {}
    for index, row in enumerate(rows):
        where = f"annotations[{index}]"
        image_id = _image_id(row, path, where)
        references.setdefault(image_id, []).append(_caption(row, path, where))
    return references
