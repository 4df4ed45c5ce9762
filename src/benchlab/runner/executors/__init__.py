"""Executors: how the experiments of a plan get run (here, one after another; Ray later).

An executor receives the jobs in plan order and a `step` that runs one job to its outcome
(skip, complete or failed, files written); it decides only where and when steps run.
Adding one is a module with a class that has `name` and `execute(...)`, plus one
`register_executor` line in `executors/registry.py`.
"""

from benchlab.runner.executors.base import Executor, Job, JobOutcome
from benchlab.runner.executors.registry import build_executor, executor_names, register_executor

__all__ = [
    "Executor",
    "Job",
    "JobOutcome",
    "build_executor",
    "executor_names",
    "register_executor",
]
