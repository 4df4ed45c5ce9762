"""The seam every evaluation pass plugs into."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from benchlab.backends.base import Backend
from benchlab.config.plan import ExperimentSpec
from benchlab.progress import ProgressReporter
from benchlab.tasks.base import EvalContext, Example, Task

__all__ = ["EvaluationPass", "PassContext"]


@dataclass
class PassContext:
    """What a pass may use: the experiment, its prepared backend and eval set, and the outputs
    of the passes that ran before it (by pass name)."""

    spec: ExperimentSpec
    folder: Path  # the experiment's directory, for a pass's own files
    task: Task
    backend: Backend
    examples: Sequence[Example]
    eval_context: EvalContext
    progress: ProgressReporter
    log: Callable[[str], None]
    outputs: dict[str, Any] = field(default_factory=dict)


class EvaluationPass(Protocol):
    """One pass over the prepared model; its output is kept under its name."""

    name: str

    def run(self, context: PassContext) -> Any:
        """Do the pass and return its output (e.g. predictions, latency statistics)."""
        ...

    def summary(self, output: Any) -> dict[str, Any]:
        """A JSON-ready digest of the output, kept in the record under `passes.<name>`."""
        ...
