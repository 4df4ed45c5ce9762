"""Captioned images from local files or the hub: one `CaptionItem` per image, pixels left on disk.

Local references come as a COCO annotation file (`{"images": [...], "annotations": [{"image_id",
"caption"}]}`), JSONL or CSV (one row per caption, or a list of captions per row), with an image
folder. Hub rows (COCO Karpathy, TextCaps) keep only the row number of their image, so the
encoded image is read from the memory-mapped dataset when a request needs it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.errors import DataError
from benchlab.requests import Media

__all__ = ["CaptionItem", "HubImage", "read_caption_file", "read_hub_captions"]

_IMAGE_KEYS = ("file_name", "image", "filename", "image_path", "file")
_CAPTION_KEYS = ("caption", "captions", "references", "reference_strs", "sentences")


@dataclass(frozen=True)
class HubImage:
    """An image cell of a hub dataset row, read only when asked (datasets are memory-mapped)."""

    dataset: Any
    row: int
    column: str

    def read_bytes(self) -> bytes:
        """The encoded image file of the row."""
        cell = self.dataset[self.row][self.column]
        if isinstance(cell, dict) and cell.get("bytes"):
            return cell["bytes"]
        if isinstance(cell, dict) and cell.get("path"):
            return Path(cell["path"]).read_bytes()
        raise DataError(f"hub row {self.row}: column {self.column!r} holds no image bytes")


@dataclass(frozen=True)
class CaptionItem:
    """One image (a local `Media` or a lazy hub cell) with its reference captions."""

    image_id: str
    image: Media | HubImage
    references: tuple[str, ...]


def _captions(value: Any, where: str) -> list[str]:
    """Reference captions of a cell: a string, a list of strings, or Karpathy's sentence dicts."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        out = [v["raw"] if isinstance(v, dict) else v for v in value]
        if all(isinstance(v, str) for v in out):
            return out
    raise DataError(f"{where}: captions must be a string or a list of strings, got {value!r}")


def _first_key(row: dict[str, Any], keys: Sequence[str], where: str, what: str) -> str:
    for key in keys:
        if key in row:
            return key
    raise DataError(f"{where}: no {what} field; expected one of {list(keys)} (found {list(row)})")


def _image_media(folder: Path, name: str, where: str) -> Media:
    path = folder / name
    if not path.is_file():
        raise DataError(f"{where}: image {name!r} not found in {folder} (check `images:`)")
    return Media(path=str(path))


def _from_coco(data: dict[str, Any], path: Path, folder: Path) -> list[CaptionItem]:
    """Items of a COCO annotation file, in the order of its `images` list."""
    references: dict[Hashable, list[str]] = {}
    for k, note in enumerate(data.get("annotations") or []):
        if not isinstance(note, dict) or "image_id" not in note or "caption" not in note:
            raise DataError(f"{path}: annotations[{k}] needs image_id and caption")
        references.setdefault(note["image_id"], []).append(str(note["caption"]))
    images = data.get("images")
    if not images:
        raise DataError(f"{path}: a COCO annotation file needs an `images` list with file_name")
    items = []
    for k, image in enumerate(images):
        where = f"{path}: images[{k}]"
        if image.get("id") not in references:
            continue  # COCO files list images of other tasks too; only captioned ones count
        media = _image_media(folder, str(image.get("file_name", "")), where)
        items.append(CaptionItem(str(image["id"]), media, tuple(references[image["id"]])))
    return items


def _grouped(rows: list[dict[str, Any]], path: Path, folder: Path) -> list[CaptionItem]:
    """Items from rows of (image, caption or captions), several rows per image allowed."""
    order: dict[str, list[str]] = {}
    for k, row in enumerate(rows, start=1):
        where = f"{path}: row {k}"
        image = str(row[_first_key(row, _IMAGE_KEYS, where, "image file")])
        caption_key = _first_key(row, _CAPTION_KEYS, where, "caption")
        order.setdefault(image, []).extend(_captions(row[caption_key], where))
    return [
        CaptionItem(Path(name).stem, _image_media(folder, name, str(path)), tuple(refs))
        for name, refs in order.items()
    ]


def read_caption_file(references: str | Path, images: str | Path) -> list[CaptionItem]:
    """Captioned images from a COCO JSON, JSONL or CSV references file and an image folder."""
    path, folder = Path(references), Path(images)
    if not path.is_file():
        raise DataError(f"references file not found: {path} (check `references:`)")
    if not folder.is_dir():
        raise DataError(f"image folder not found: {folder} (check `images:`)")
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return _from_coco(data, path, folder)
            return _grouped(list(data), path, folder)
        if suffix == ".jsonl":
            lines = path.read_text(encoding="utf-8").splitlines()
            return _grouped([json.loads(line) for line in lines if line.strip()], path, folder)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from exc
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return _grouped(list(csv.DictReader(handle)), path, folder)
    raise DataError(f"{path}: references must be .json (COCO), .jsonl or .csv")


def read_hub_captions(
    dataset: Any,
    *,
    id_column: str,
    references_column: str,
    image_column: str | None,
    images: str | Path | None,
    file_columns: Sequence[str] = ("filepath", "filename"),
) -> list[CaptionItem]:
    """Captioned images of a hub split: images from its image column or a local image folder.

    COCO Karpathy rows name their file (`filepath/filename`) but carry no pixels: give `images`
    (the folder holding train2014/ and val2014/, or the files themselves).
    """
    columns = set(dataset.column_names)
    for needed in (id_column, references_column):
        if needed not in columns:
            raise DataError(f"hub dataset has no column {needed!r} (columns: {sorted(columns)})")
    if image_column in columns:
        from datasets import Image

        dataset = dataset.cast_column(image_column, Image(decode=False))
    elif images is None:
        raise DataError(
            f"hub dataset has no image column {image_column!r}; set `images:` to a local folder "
            f"holding the files its {list(file_columns)} columns name"
        )
    items = []
    texts = dataset.select_columns(
        [c for c in (id_column, references_column, *file_columns) if c in columns]
    )
    for k, row in enumerate(texts):
        where = f"hub row {k}"
        refs = tuple(_captions(row[references_column], where))
        if image_column in columns:
            image: Media | HubImage = HubImage(dataset, k, image_column)
        else:
            parts = [str(row[c]) for c in file_columns if c in row]
            folder = Path(images)
            candidate = folder.joinpath(*parts)
            name = str(Path(*parts)) if candidate.is_file() else parts[-1]
            image = _image_media(folder, name, where)
        items.append(CaptionItem(str(row[id_column]), image, refs))
    return items
