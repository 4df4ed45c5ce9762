"""Read MMBench-style TSV files (MMBench, CCBench, the shapes set) without holding their images.

Each row keeps only where its image lies in the file (byte offset and length of the record); the
base64 is read and decoded when an image is asked for. VLMEvalKit's conventions are followed: an
`image` cell of at most 64 characters names the index of another row whose image it shares (as
the rotated copies in official circular files do), and a copy's index is `group + k * 1e6`.
Unlike VLMEvalKit (pandas defaults), option text such as "None" or "NA" stays text, not a
missing option.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from benchlab.errors import DataError

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "COPY_OFFSET",
    "ChoiceImage",
    "ChoiceQuestion",
    "TsvImage",
    "question_from_record",
    "read_mmbench_tsv",
]

COPY_OFFSET = 1_000_000  # VLMEvalKit: a rotated copy's index is group + rotation * COPY_OFFSET
_LETTERS = "ABCDEFGHIJ"
_REQUIRED = ("index", "question", "A", "B")


class ChoiceImage(Protocol):
    """Where a question's image comes from; read only when a request needs it."""

    def read_bytes(self) -> bytes:
        """The encoded image file."""
        ...

    def sha256(self) -> str:
        """Content hash of the encoded image, for cache keys."""
        ...

    def open(self) -> Image.Image:
        """The decoded image, RGB."""
        ...


@dataclass(frozen=True)
class TsvImage:
    """An image stored as base64 in one record of a TSV file, read only when needed."""

    path: Path
    offset: int
    length: int
    column: int

    def read_bytes(self) -> bytes:
        """The encoded image file (JPEG, PNG...) decoded from its base64 cell."""
        with self.path.open("rb") as stream:
            stream.seek(self.offset)
            record = stream.read(self.length).decode("utf-8")
        cell = _parse_record(record)[self.column]
        try:
            return base64.b64decode(cell, validate=False)
        except ValueError as exc:
            raise DataError(
                f"{self.path}: the image cell at byte {self.offset} is not valid base64 ({exc})"
            ) from exc

    def sha256(self) -> str:
        """Content hash of the image bytes, for cache keys (the pixels never go into a key)."""
        return hashlib.sha256(self.read_bytes()).hexdigest()

    def open(self) -> Image.Image:
        """The image as an RGB Pillow image."""
        from PIL import Image

        with Image.open(io.BytesIO(self.read_bytes())) as image:
            return image.convert("RGB")


@dataclass(frozen=True)
class ChoiceQuestion:
    """One multiple-choice row: its options in letter order, answer letter, categories, image."""

    index: int
    question: str
    options: dict[str, str]
    answer: str | None
    hint: str | None = None
    category: str | None = None
    l2_category: str | None = None
    split: str | None = None
    image: ChoiceImage | None = field(default=None, compare=False)

    @property
    def group(self) -> int:
        """The index of the original question this row is a (rotated) copy of."""
        return self.index % COPY_OFFSET

    @property
    def rotation(self) -> int:
        """How many places the options were rotated (0 for the original question)."""
        return self.index // COPY_OFFSET


def _parse_record(text: str, *, last_is_plain: bool = False) -> list[str]:
    """The cells of one record; with `last_is_plain`, an unquoted last cell skips the csv parser."""
    if last_is_plain:
        head, tab, last = text.rpartition("\t")
        if tab and '"' not in last:  # base64 is never quoted: parse only the cells before it
            return [*next(csv.reader(io.StringIO(head), delimiter="\t")), last]
    return next(csv.reader(io.StringIO(text), delimiter="\t"))


def _records(path: Path) -> Iterator[tuple[int, int, str]]:
    """(byte offset, byte length, text) of each logical record; quoted fields may span lines."""
    with path.open("rb") as stream:
        offset = stream.tell()
        pending = b""
        for line in stream:
            pending += line
            if pending.count(b'"') % 2:  # inside a quoted field: the record goes on
                continue
            yield offset, len(pending), pending.decode("utf-8")
            offset += len(pending)
            pending = b""
        if pending:
            raise DataError(f"{path}: the file ends inside a quoted field (an unclosed '\"')")


def _text(cell: Any) -> str | None:
    """A cell's text, or None when it is empty, None or NaN (hub rows read with pandas)."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return None
    text = str(cell)
    return text if text else None


def question_from_record(
    record: Mapping[str, Any], *, image: ChoiceImage | None = None, where: str = "row"
) -> ChoiceQuestion:
    """A question from one MMBench-layout record (a TSV row, or a hub dataset row as a dict)."""
    if _text(record.get("question")) is None:
        raise DataError(f"{where}: no question text (column 'question')")
    try:
        index = int(float(record["index"]))
    except (KeyError, TypeError, ValueError):
        raise DataError(f"{where}: index {record.get('index')!r} is not an integer") from None
    options = {k: text for k in _LETTERS if (text := _text(record.get(k))) is not None}
    answer = _text(record.get("answer"))
    return ChoiceQuestion(
        index=index,
        question=str(record["question"]),
        options=options,
        answer=answer.strip() if answer else None,
        hint=_text(record.get("hint")),
        category=_text(record.get("category")),
        l2_category=_text(record.get("l2-category")),
        split=_text(record.get("split")),
        image=image,
    )


def read_mmbench_tsv(path: str | Path) -> list[ChoiceQuestion]:
    """Every row of an MMBench-style TSV, images left on disk (decoded on demand)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"MMBench file not found: {path}")
    records = _records(path)
    try:
        _, _, header_text = next(records)
    except StopIteration:
        raise DataError(f"{path}: the file is empty; expected a header row") from None
    header = [name.strip() for name in _parse_record(header_text.rstrip("\r\n"))]
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {missing}; an MMBench TSV has index, question, hint, A-D, "
            f"answer, category, l2-category, image (found {header})"
        )
    position = {name: i for i, name in enumerate(header)}
    image_column = position.get("image")
    image_last = image_column == len(header) - 1
    rows, image_cells, seen = [], {}, set()
    for number, (offset, length, text) in enumerate(records, start=2):
        cells = _parse_record(text.rstrip("\r\n"), last_is_plain=image_last)
        if len(cells) != len(header):
            raise DataError(
                f"{path}: record {number} has {len(cells)} fields, the header has {len(header)}"
            )
        question = question_from_record(
            dict(zip(header, cells, strict=True)), where=f"{path}: record {number}"
        )
        if question.index in seen:
            raise DataError(f"{path}: record {number}: index {question.index} appears twice")
        seen.add(question.index)
        if image_column is not None:
            image = TsvImage(path, offset, length, image_column)
            image_cells[question.index] = _image_cell(cells[image_column], image, number)
        rows.append(question)
    return [_with_image(path, row, image_cells) for row in rows]


def _image_cell(cell: str, image: TsvImage, number: int) -> TsvImage | int | None:
    """The record's own image, or (a cell of <= 64 characters) the index of the row to share."""
    if not cell:
        return None
    if len(cell) > 64:
        return image
    try:
        return int(float(cell))
    except ValueError:
        raise DataError(
            f"{image.path}: record {number}: image cell {cell!r} is neither base64 nor the index "
            "of another row"
        ) from None


def _with_image(
    path: Path, row: ChoiceQuestion, cells: dict[int, TsvImage | int | None]
) -> ChoiceQuestion:
    """Attach the row's image, following a reference to another row's index once."""
    cell = cells.get(row.index)
    if isinstance(cell, int):
        target = cells.get(cell)
        if not isinstance(target, TsvImage):
            raise DataError(
                f"{path}: row {row.index}'s image refers to row {cell}, which has no base64 image"
            )
        cell = target
    if cell is None:
        return row
    return ChoiceQuestion(**{**row.__dict__, "image": cell})
