"""HumanEval-format problems: `task_id`, `prompt`, `entry_point`, `test`, `canonical_solution`.

Loaded from a local `.jsonl` / `.jsonl.gz` (OpenAI's `HumanEval.jsonl.gz`) or, without a
path, from the hub copy `openai/openai_humaneval` through `datasets`.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.errors import DataError

__all__ = ["HUB_DATASET", "CodeProblem", "load_problems", "read_jsonl"]

HUB_DATASET = "openai/openai_humaneval"
_REQUIRED = ("task_id", "prompt", "entry_point", "test")


@dataclass(frozen=True)
class CodeProblem:
    """One function-completion problem; `test` defines `check(candidate)`."""

    task_id: str
    prompt: str
    entry_point: str
    test: str
    canonical_solution: str = ""

    @classmethod
    def from_record(cls, record: Mapping[str, Any], where: str) -> CodeProblem:
        """Validate one HumanEval-format record; `where` names it in errors."""
        missing = [key for key in _REQUIRED if not isinstance(record.get(key), str)]
        if missing:
            raise DataError(f"{where}: problem lacks string field(s) {missing}")
        return cls(
            task_id=record["task_id"],
            prompt=record["prompt"],
            entry_point=record["entry_point"],
            test=record["test"],
            canonical_solution=str(record.get("canonical_solution") or ""),
        )


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line of a `.jsonl` or `.jsonl.gz` file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(record, dict):
                    raise DataError(f"{path}:{number}: expected a JSON object per line")
                yield number, record
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as (gzipped) JSON lines: {exc}") from None


def _from_hub() -> list[dict[str, Any]]:
    import datasets

    try:
        return list(datasets.load_dataset(HUB_DATASET, split="test"))
    except Exception as exc:  # offline, or the hub is unreachable
        raise DataError(
            f"cannot load {HUB_DATASET} from the hub ({type(exc).__name__}); pass a local "
            "HumanEval.jsonl.gz with --problems (or `path:` in the task config)"
        ) from exc


def load_problems(path: Path | str | None = None) -> dict[str, CodeProblem]:
    """Problems by task_id, in file order, from `path` or (None) the hub copy of HumanEval."""
    if path is None:
        records = [(f"{HUB_DATASET} row {i}", r) for i, r in enumerate(_from_hub())]
    else:
        records = [(f"{path}:{n}", r) for n, r in read_jsonl(Path(path))]
    problems: dict[str, CodeProblem] = {}
    for where, record in records:
        problem = CodeProblem.from_record(record, where)
        if problem.task_id in problems:
            raise DataError(f"{where}: duplicate task_id {problem.task_id!r}")
        problems[problem.task_id] = problem
    if not problems:
        raise DataError(f"{path or HUB_DATASET}: no problems found")
    return problems
