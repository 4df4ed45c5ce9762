"""The local executor: this process, one experiment after another, in the plan's order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from benchlab.runner.executors.base import Job, JobOutcome

__all__ = ["LocalExecutor"]


class LocalExecutor:
    """Steps run in plan order (the plan puts a base mode before what builds on it)."""

    name = "local"

    def __init__(self, *, config: object = None) -> None:
        """The local executor needs no settings; `config` is accepted like every executor's."""

    def execute(
        self,
        jobs: Sequence[Job],
        step: Callable[[Job], JobOutcome],
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Run each job's step here and report it before starting the next."""
        for job in jobs:
            on_outcome(step(job))
