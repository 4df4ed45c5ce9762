"""Run many sandboxed programs on a bounded pool of workers, results in input order.

Each worker thread only waits on its own child process, so threads are cheap; the bound
(default: the CPU count) and the children's raised nice value keep the host responsive.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from benchlab.sandbox.isolation import Isolation, best_isolation
from benchlab.sandbox.limits import Limits
from benchlab.sandbox.runner import ExecutionResult, Program, run_program

__all__ = ["default_workers", "run_programs"]


def default_workers() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def run_programs(
    programs: Sequence[Program],
    *,
    workers: int | None = None,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
    guard: bool = True,
    on_result: Callable[[int, ExecutionResult], None] | None = None,
) -> list[ExecutionResult]:
    """Run every program in its own sandbox, at most `workers` at a time."""
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    level = isolation or best_isolation()
    results: list[ExecutionResult | None] = [None] * len(programs)

    def one(index: int) -> None:
        result = run_program(programs[index], limits=limits, isolation=level, guard=guard)
        results[index] = result
        if on_result is not None:
            on_result(index, result)

    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        for future in [pool.submit(one, i) for i in range(len(programs))]:
            future.result()
    return [r for r in results if r is not None]
