"""Run many sandboxed programs on a bounded pool of workers, results in input order.

Each worker owns a fork server (see `forkserver.py`) when running as root, so a program
costs a fork rather than a new sandbox and interpreter; otherwise each program gets a fresh
sandbox. The bound (default: the CPU count) and the children's raised nice value keep the
host responsive.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from benchlab.sandbox.forkserver import ForkServer, fork_server_supported
from benchlab.sandbox.isolation import Isolation
from benchlab.sandbox.limits import Limits
from benchlab.sandbox.runner import SLOTS, ExecutionResult, Program, resolve_level, run_program

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
    fork_server: bool | None = None,
    on_result: Callable[[int, ExecutionResult], None] | None = None,
) -> list[ExecutionResult]:
    """Run every program in its own sandboxed process, at most `workers` at a time.

    `fork_server=None` uses fork servers where supported (as root), False never does.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    limits = limits or Limits()
    level = resolve_level(isolation)
    size = min(workers or default_workers(), max(1, len(programs)))
    use_servers = fork_server_supported() if fork_server is None else fork_server
    results: list[ExecutionResult | None] = [None] * len(programs)
    servers: queue.SimpleQueue[ForkServer] = queue.SimpleQueue()
    slots = [SLOTS.slot() for _ in range(size)] if use_servers else []
    for context in slots:
        servers.put(ForkServer(level, context.__enter__(), limits))

    def one(index: int) -> None:
        if use_servers:
            server = servers.get()
            try:
                result = server.run(programs[index], limits, guard)
            finally:
                servers.put(server)
        else:
            result = run_program(programs[index], limits=limits, isolation=level, guard=guard)
        results[index] = result
        if on_result is not None:
            on_result(index, result)

    try:
        with ThreadPoolExecutor(max_workers=size) as pool:
            for future in [pool.submit(one, i) for i in range(len(programs))]:
                future.result()
    finally:
        while not servers.empty():
            servers.get().close()
        for context in slots:
            context.__exit__(None, None, None)
    return [r for r in results if r is not None]
