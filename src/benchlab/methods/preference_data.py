"""Preference rows for DPO and KTO: from a local JSONL, a hub dataset or the task's train split.

A paired row is {prompt, chosen, rejected}, each plain text or chat messages (a list of
{role, content}); an unpaired (KTO) row is {prompt, completion, label}. A pair whose chosen and
rejected answers are equal teaches nothing: it is counted and dropped, with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchlab.errors import DataError
from benchlab.tasks.base import Example, PreferenceTriple, Task

__all__ = [
    "PAIRED_FIELDS",
    "UNPAIRED_FIELDS",
    "drop_ties",
    "hub_rows",
    "read_rows",
    "task_preference_rows",
    "unpaired",
]

PAIRED_FIELDS = ("prompt", "chosen", "rejected")
UNPAIRED_FIELDS = ("prompt", "completion", "label")


def _checked(row: Any, fields: Sequence[str], where: str) -> dict[str, Any]:
    """The row's fields, or a DataError naming the missing ones."""
    if not isinstance(row, dict):
        raise DataError(f"{where}: a row must be a JSON object, got {type(row).__name__}")
    missing = [name for name in fields if name not in row]
    if missing:
        raise DataError(
            f"{where}: missing {missing} (a row needs {list(fields)}, plain text or chat "
            f"messages); it has {sorted(row)}"
        )
    return {name: row[name] for name in fields}


def read_rows(path: Path, fields: Sequence[str] = PAIRED_FIELDS) -> list[dict[str, Any]]:
    """Every row of a local JSONL, each checked for `fields`; a clear error on the first bad one."""
    if not path.is_file():
        raise DataError(f"preference data file not found: {path} (check the mode's `data`)")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} line {number}: not valid JSON ({exc.msg})") from exc
        rows.append(_checked(row, fields, f"{path} line {number}"))
    if not rows:
        raise DataError(f"{path}: no rows; a preference file needs {list(fields)} per line")
    return rows


def hub_rows(
    dataset: str, split: str, fields: Sequence[str] = PAIRED_FIELDS
) -> list[dict[str, Any]]:
    """Rows of a hub dataset's split, each checked for `fields`."""
    import datasets

    try:
        table = datasets.load_dataset(dataset, split=split)
    except Exception as exc:  # hub, network and format errors alike
        raise DataError(
            f"cannot load preference dataset {dataset!r} split {split!r}: {exc}"
        ) from exc
    return [_checked(row, fields, f"{dataset}[{split}] row {i}") for i, row in enumerate(table)]


def drop_ties(
    rows: Sequence[dict[str, Any]], warn: Callable[[str], None], source: str
) -> list[dict[str, Any]]:
    """The pairs whose chosen and rejected answers differ; the others counted in a warning."""
    kept = [row for row in rows if row["chosen"] != row["rejected"]]
    dropped = len(rows) - len(kept)
    if dropped:
        warn(
            f"warning: {dropped} of {len(rows)} preference rows of {source} have chosen == "
            "rejected and were dropped (they carry no preference)"
        )
    if not kept:
        raise DataError(f"{source}: every preference row has chosen == rejected; nothing to learn")
    return kept


def task_preference_rows(task: Task, examples: Sequence[Example], seed: int) -> list[dict]:
    """Paired rows the task builds from its train split (e.g. gold vs a seeded wrong choice)."""
    triples: list[PreferenceTriple] = task.training_data("preference", examples, seed=seed)
    return [{"prompt": t.prompt, "chosen": t.chosen, "rejected": t.rejected} for t in triples]


def unpaired(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Paired rows as unpaired ones: the chosen answer desirable, the rejected one not."""
    out = []
    for row in rows:
        out.append({"prompt": row["prompt"], "completion": row["chosen"], "label": True})
        out.append({"prompt": row["prompt"], "completion": row["rejected"], "label": False})
    return out
