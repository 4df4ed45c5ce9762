"""MBPP problems, lm-eval's few-shot prompt for them, and the sandbox program that checks one.

Records have Google's fields (`task_id`, `text`, `code`, `test_list`, `test_setup_code`) and
come from the hub (`google-research-datasets/mbpp`, config `full`) or a local JSON / JSONL
file with the same fields. The prompt reproduces lm-eval's `mbpp` task byte for byte, so
scores are comparable with its leaderboard numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchlab.errors import DataError
from benchlab.sandbox import Program
from benchlab.tasks.sources import DataSource, load_rows

__all__ = [
    "HUB_DATASET",
    "SHOT_TASK_IDS",
    "STOP",
    "MbppProblem",
    "check_program",
    "load_mbpp",
    "load_shots",
    "mbpp_prompt",
]

HUB_DATASET = "google-research-datasets/mbpp"
#: The `prompt`-split problems lm-eval shows as its three shots, in this order.
SHOT_TASK_IDS: tuple[str, ...] = ("2", "3", "4")
#: lm-eval ends each shot's code with this marker and stops generation at it.
STOP = "[DONE]"


@dataclass(frozen=True)
class MbppProblem:
    """One MBPP problem: a description, tests that call the function, and a reference."""

    task_id: str
    text: str
    code: str
    test_list: tuple[str, ...]
    test_setup_code: str = ""

    @classmethod
    def from_record(cls, record: Mapping[str, Any], where: str) -> MbppProblem:
        """Validate one MBPP-format record; `where` names it in errors."""
        missing = [key for key in ("text", "code") if not isinstance(record.get(key), str)]
        if not isinstance(record.get("task_id"), int | str):
            missing.insert(0, "task_id")
        tests = record.get("test_list")
        if not (isinstance(tests, list) and tests and all(isinstance(t, str) for t in tests)):
            missing.append("test_list (a non-empty list of assert strings)")
        if missing:
            raise DataError(f"{where}: MBPP problem lacks field(s) {missing}")
        return cls(
            task_id=str(record["task_id"]),
            text=record["text"],
            code=record["code"],
            test_list=tuple(tests),
            test_setup_code=str(record.get("test_setup_code") or ""),
        )


def _problems(source: DataSource, label: str) -> list[MbppProblem]:
    rows = load_rows(source)
    problems = [
        MbppProblem.from_record(row, f"{label} data row {i + 1}") for i, row in enumerate(rows)
    ]
    seen: set[str] = set()
    for problem in problems:
        if problem.task_id in seen:
            raise DataError(f"{label}: duplicate task_id {problem.task_id!r}")
        seen.add(problem.task_id)
    if not problems:
        raise DataError(f"{label}: no MBPP problems found")
    return problems


def _source(path: str | None, split: str) -> DataSource:
    if path is None:
        return DataSource(path=HUB_DATASET, name="full", split=split)
    return DataSource(path=path)


def load_mbpp(path: str | None = None) -> dict[str, MbppProblem]:
    """Problems to evaluate by task_id: a local file, or (None) the hub's 500-problem test split."""
    label = path or f"{HUB_DATASET} (full, test)"
    return {p.task_id: p for p in _problems(_source(path, "test"), label)}


def load_shots(path: str | None = None) -> list[MbppProblem]:
    """The shots in prompt order: every problem of a local file, or lm-eval's hub three."""
    if path is not None:
        return _problems(_source(path, "train"), path)
    label = f"{HUB_DATASET} (full, prompt)"
    by_id = {p.task_id: p for p in _problems(_source(None, "prompt"), label)}
    absent = [t for t in SHOT_TASK_IDS if t not in by_id]
    if absent:
        raise DataError(f"{label}: shot task_id(s) {absent} not found")
    return [by_id[t] for t in SHOT_TASK_IDS]


def _query(problem: MbppProblem) -> str:
    tests = "\n".join(problem.test_list)
    return (
        f"You are an expert Python programmer, and here is your task: {problem.text} "
        f"Your code should pass these tests:\n\n{tests}\n[BEGIN]\n"
    )


def mbpp_prompt(problem: MbppProblem, shots: Sequence[MbppProblem] = ()) -> str:
    """lm-eval's prompt: each shot's query, code and `[DONE]`, then the problem's query."""
    demonstrations = "".join(f"{_query(s)}{s.code}\n{STOP}\n\n" for s in shots)
    return demonstrations + _query(problem)


def check_program(problem: MbppProblem, completion: str) -> Program:
    """The sandbox program that runs `completion` after the setup code, then every assert.

    The setup (trusted) precedes the completion, as in one MBPP script, and is run again in
    the test namespace so a completion cannot redefine what the asserts rely on.
    """
    return Program(
        code=f"{problem.test_setup_code}\n{completion}",
        test="\n".join(problem.test_list) + "\n",
        context=problem.test_setup_code,
    )
