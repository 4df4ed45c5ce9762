"""Where task data comes from: a hub dataset by name or a local CSV / TSV / JSONL file.

Both go through `datasets.load_dataset`, so hub ids and local paths share one code path.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from benchlab.errors import DataError

__all__ = ["DataSource", "holdout_split", "load_rows", "read_columns"]

_LOCAL_BUILDERS = {".csv": "csv", ".tsv": "csv", ".jsonl": "json", ".json": "json"}


class DataSource(BaseModel):
    """One split's origin: a local file, or a hub dataset with optional config and revision."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    name: str | None = None
    split: str = "train"
    revision: str | None = None

    @property
    def is_local(self) -> bool:
        """True when `path` names a file on disk rather than a hub dataset."""
        return Path(self.path).suffix.lower() in _LOCAL_BUILDERS


def _local_builder(path: Path) -> tuple[str, dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".tsv":
        # GLUE TSVs contain bare quote characters: read them verbatim.
        return "csv", {"delimiter": "\t", "quoting": csv.QUOTE_NONE}
    return _LOCAL_BUILDERS[suffix], {}


def read_columns(source: DataSource) -> list[str]:
    """Column names of a local file, read cheaply for validation before a run starts."""
    path = Path(source.path)
    if not path.is_file():
        raise DataError(f"data file not found: {path} (check the task's path)")
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    if path.suffix.lower() in (".jsonl", ".json"):
        try:
            return list(json.loads(first))
        except (json.JSONDecodeError, TypeError) as exc:
            raise DataError(f"{path}: first line is not a JSON object: {exc}") from exc
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    return next(csv.reader([first], delimiter=delimiter))


def load_rows(source: DataSource) -> list[dict[str, Any]]:
    """All rows of one split as dicts, loaded with `datasets.load_dataset`."""
    import datasets

    try:
        if source.is_local:
            path = Path(source.path)
            if not path.is_file():
                raise DataError(f"data file not found: {path} (check the task's path)")
            builder, kwargs = _local_builder(path)
            dataset = datasets.load_dataset(
                builder, data_files={"train": str(path)}, split="train", **kwargs
            )
        else:
            dataset = datasets.load_dataset(
                source.path, source.name, split=source.split, revision=source.revision
            )
    except DataError:
        raise
    except (FileNotFoundError, ValueError, ConnectionError, OSError) as exc:
        where = f"{source.path}" + (f" ({source.name})" if source.name else "")
        raise DataError(f"cannot load dataset {where} split {source.split!r}: {exc}") from exc
    return [dict(row) for row in dataset]


def holdout_split(
    rows: Sequence[dict[str, Any]], fraction: float, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split rows by a seed into (train, eval), `fraction` of them going to eval."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_eval = round(len(rows) * fraction)
    eval_idx = set(order[:n_eval])
    train = [row for i, row in enumerate(rows) if i not in eval_idx]
    evaluation = [row for i, row in enumerate(rows) if i in eval_idx]
    return train, evaluation
