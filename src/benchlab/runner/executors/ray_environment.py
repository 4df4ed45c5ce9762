"""What a Ray worker needs to run the driver's experiments as the driver would: the same
benchlab code and the same thread count.

A driver started from a source checkout (`PYTHONPATH=src`, a worktree) hands its workers that
checkout first on their import path, so they never run another installed copy; a driver whose
benchlab is installed normally leaves the workers' own install alone. Ray caps a worker's
OpenMP threads at the task's `num_cpus`; on the private cluster a run starts here, workers get
the thread count a local run would use, so sums and scores match it, and run at the driver's
priority (Ray starts workers at nice 15: on a busy machine experiments would crawl and their
measured latencies grow).
"""

from __future__ import annotations

import os
import site
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "driver_source_root",
    "local_run_threads",
    "node_cpus",
    "private_cluster_settings",
    "worker_runtime_env",
]

_NICENESS = "RAY_worker_niceness"  # read by the raylet a private cluster starts


def node_cpus() -> int:
    """CPUs this process may use (its affinity mask, as OpenMP counts them)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def driver_source_root() -> Path | None:
    """The folder holding the driver's benchlab package when it is not an installed copy."""
    import benchlab

    root = Path(benchlab.__file__).resolve().parents[1]
    installed = [*site.getsitepackages(), site.getusersitepackages()]
    if any(root == Path(folder).resolve() for folder in installed):
        return None
    return root


def local_run_threads() -> int:
    """The torch threads a local run on this machine uses (OMP_NUM_THREADS, else every CPU)."""
    try:
        threads = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:  # unset or not a number: OpenMP takes every CPU
        return node_cpus()
    return threads if threads >= 1 else node_cpus()


def worker_runtime_env(threads: int | None) -> dict[str, Any]:
    """The job-wide Ray `runtime_env`: the driver's import path, and the threads when known."""
    env_vars: dict[str, str] = {}
    root = driver_source_root()
    if root is not None:
        inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        paths = [str(root), *(str(Path(p).resolve()) for p in inherited)]
        env_vars["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    if threads is not None:
        env_vars["OMP_NUM_THREADS"] = str(threads)
    return {"env_vars": env_vars} if env_vars else {}


@contextmanager
def private_cluster_settings() -> Iterator[None]:
    """Around `ray.init` of a private cluster: workers at the driver's priority (unless set)."""
    previous = os.environ.get(_NICENESS)
    os.environ.setdefault(_NICENESS, "0")
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(_NICENESS, None)
