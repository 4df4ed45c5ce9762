"""What a training mix is made of: rows, share and token lengths per source (or any fields).

Token lengths come from a local tokenizer when one is given (special tokens not added), else
from whitespace-separated words; `Composition.unit` says which, so a table never passes word
counts off as tokens. A row's text is, unless fields are named: its chat `messages` contents,
else the first present of `text`, `prompt`+`completion`, `prompt`+`response`,
`instruction`+`input`+`output`, `question`+`answer`, else every string value, joined by newlines.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchlab.errors import DataError
from benchlab.record.atomic import write_bytes_atomic, write_text_atomic

__all__ = [
    "MISSING",
    "Composition",
    "GroupComposition",
    "composition",
    "row_text",
    "token_counter",
    "write_composition_csv",
    "write_composition_plot",
]

MISSING = "(none)"
_TEXT_FIELDS = (
    ("text",),
    ("prompt", "completion"),
    ("prompt", "response"),
    ("instruction", "input", "output"),
    ("question", "answer"),
)


def row_text(row: Mapping[str, Any], fields: Sequence[str] | None = None) -> str:
    """The text of a training row whose length is measured (see the module doc)."""
    if fields:
        return "\n".join(str(row[f]) for f in fields if row.get(f) is not None)
    messages = row.get("messages")
    if isinstance(messages, list):
        return "\n".join(
            str(m.get("content")) for m in messages if isinstance(m, dict) and m.get("content")
        )
    for group in _TEXT_FIELDS:
        present = [str(row[f]) for f in group if isinstance(row.get(f), str)]
        if present:
            return "\n".join(present)
    return "\n".join(v for v in row.values() if isinstance(v, str))


def token_counter(tokenizer: Path | None) -> tuple[Callable[[str], int], str]:
    """A text -> length function and its unit: a local tokenizer's tokens, or whitespace words."""
    if tokenizer is None:
        return (lambda text: len(text.split())), "whitespace tokens"
    path = Path(tokenizer)
    file = path if path.is_file() else path / "tokenizer.json"
    if file.is_file() and file.suffix == ".json":
        from tokenizers import Tokenizer

        try:
            fast = Tokenizer.from_file(str(file))
        except Exception as error:  # tokenizers raises a bare Exception on bad files
            raise DataError(f"{file}: not a tokenizers tokenizer.json ({error})") from None
        return (lambda text: len(fast.encode(text, add_special_tokens=False).ids)), (
            f"tokens of {path.name}"
        )
    if not path.is_dir():
        raise DataError(f"--tokenizer {path}: give a local tokenizer folder or tokenizer.json")
    from transformers import AutoTokenizer

    try:
        loaded = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError) as error:
        raise DataError(f"--tokenizer {path}: cannot load a tokenizer there ({error})") from None
    return (lambda text: len(loaded(text, add_special_tokens=False)["input_ids"])), (
        f"tokens of {path.name}"
    )


@dataclass(frozen=True)
class GroupComposition:
    """One group of rows: how many, their share, and their length distribution."""

    key: tuple[str, ...]
    rows: int
    share: float
    length_mean: float
    length_median: float
    length_p95: float
    length_total: int


@dataclass(frozen=True)
class Composition:
    """The groups of a training file, largest first, and the unit lengths are counted in."""

    source: str
    by: tuple[str, ...]
    unit: str
    total_rows: int
    groups: tuple[GroupComposition, ...]


def _value(row: Mapping[str, Any], field: str) -> str:
    value = row.get(field)
    if value is None or value == "":
        return MISSING
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def composition(
    rows: Sequence[Mapping[str, Any]],
    by: Sequence[str],
    count: Callable[[str], int],
    *,
    unit: str,
    source: str = "",
    text_fields: Sequence[str] | None = None,
) -> Composition:
    """Group rows by the `by` fields (a missing field is "(none)") and measure each group."""
    if not rows:
        raise DataError(f"{source or 'composition'}: no rows")
    lengths: dict[tuple[str, ...], list[int]] = {}
    for row in rows:
        key = tuple(_value(row, f) for f in by) if by else ("(all)",)
        lengths.setdefault(key, []).append(count(row_text(row, text_fields)))
    groups = []
    for key, values in lengths.items():
        array = np.asarray(values, dtype=float)
        groups.append(
            GroupComposition(
                key,
                len(values),
                len(values) / len(rows),
                float(array.mean()),
                float(np.median(array)),
                float(np.percentile(array, 95)),
                int(array.sum()),
            )
        )
    groups.sort(key=lambda g: (-g.rows, g.key))
    return Composition(source, tuple(by), unit, len(rows), tuple(groups))


def write_composition_csv(result: Composition, path: Path) -> None:
    """One CSV line per group: the `by` fields, rows, share and length statistics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(result.by) or ["group"]
    writer.writerow([*names, "rows", "share", "mean", "median", "p95", "total", "unit"])
    for g in result.groups:
        lengths = [f"{x:.2f}" for x in (g.length_mean, g.length_median, g.length_p95)]
        writer.writerow([*g.key, g.rows, f"{g.share:.6f}", *lengths, g.length_total, result.unit])
    write_text_atomic(Path(path), buffer.getvalue())


def write_composition_plot(result: Composition, path: Path) -> None:
    """A horizontal bar chart of rows per group, each bar labelled with its share (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [" / ".join(g.key) for g in result.groups]
    height = 1.0 + 0.35 * len(labels)
    figure, axis = plt.subplots(figsize=(7, height))
    bars = axis.barh(labels[::-1], [g.rows for g in result.groups][::-1], color="#4c72b0")
    axis.bar_label(bars, labels=[f"{g.share:.1%}" for g in result.groups][::-1], padding=3)
    axis.set_xlabel("rows")
    axis.set_title(f"{Path(result.source).name or 'data'} by {', '.join(result.by) or 'all'}")
    axis.margins(x=0.15)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    plt.close(figure)
    write_bytes_atomic(Path(path), buffer.getvalue())
