"""Where task data comes from: a hub dataset by name or a local CSV / TSV / JSONL file.

Both go through `datasets.load_dataset`, so hub ids and local paths share one code path.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from benchlab.errors import DataError
from benchlab.tasks.data_files import read_table

__all__ = ["DataSource", "check_source_path", "holdout_split", "load_rows"]

_LOCAL_BUILDERS = {".csv": "csv", ".tsv": "csv", ".jsonl": "json", ".json": "json"}
#: Extensions of files a user may point a task at by mistake (never hub dataset ids).
_OTHER_FILE_SUFFIXES = frozenset(
    {".txt", ".parquet", ".xlsx", ".xls", ".gz", ".zip", ".arrow", ".yaml", ".yml", ".md"}
)


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


def check_source_path(source: DataSource) -> None:
    """A path that is a file on disk, or has a file's extension, must be a readable data file.

    Without this, `data/train.txt` would be taken for a hub dataset id and fail later with a
    message that names neither the file nor the fix.
    """
    path = Path(source.path)
    suffix = path.suffix.lower()
    if source.is_local or path.is_dir():
        return
    if path.is_file() or suffix in _OTHER_FILE_SUFFIXES:
        raise DataError(
            f"{source.path}: unsupported file type {suffix or '(no extension)'!r}; save the data "
            "as .csv, .tsv, .jsonl or .json"
        )


def _refused_by_datasets(source: DataSource, exc: Exception) -> DataError:
    """A `datasets` failure as one line naming the file: the strict reader's message if it
    finds the defect, else the loader's own reason."""
    if source.is_local:
        try:
            read_table(source.path)
        except DataError as precise:
            return precise
    lines = str(exc.__cause__ or exc).strip().splitlines() or [type(exc).__name__]
    where = f"{source.path}" + (f" ({source.name})" if source.name else "")
    return DataError(f"cannot load dataset {where} split {source.split!r}: {lines[0]}")


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
    except (datasets.exceptions.DatasetsError, ValueError, ConnectionError, OSError) as exc:
        # DatasetGenerationError and pyarrow's ArrowInvalid (a ValueError) never reach a user raw
        raise _refused_by_datasets(source, exc) from exc
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
