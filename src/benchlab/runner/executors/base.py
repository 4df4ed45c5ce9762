"""The seam between planning a run and running its experiments."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from benchlab.config.plan import ExperimentSpec
from benchlab.record.layout import ExperimentFiles

__all__ = ["Executor", "Job", "JobOutcome"]


@dataclass(frozen=True)
class Job:
    """One experiment to run: its spec, its folder, and the fingerprints its record will carry
    (run.json's entry: spec_hash and inputs)."""

    spec: ExperimentSpec
    files: ExperimentFiles
    expected: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobOutcome:
    """What became of a job: complete (run now or skipped as up to date) or failed."""

    experiment_id: str
    state: Literal["complete", "failed"]
    skipped: bool = False
    error: str | None = None
    results: dict[str, Any] | None = None
    host: str | None = None  # the worker's host, when the step ran off the driver (Ray)


class Executor(Protocol):
    """Runs every job's step, reporting each outcome as it arrives."""

    name: str

    def execute(
        self,
        jobs: Sequence[Job],
        step: Callable[[Job], JobOutcome],
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Run `step` for every job (a base mode's job before those building on it).

        An executor that runs steps in other processes sends `step.detached()` there.
        """
        ...
