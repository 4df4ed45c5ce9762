"""The evaluate pass: every eval example through the task and the backend, scored."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from benchlab.runner.passes.base import PassContext
from benchlab.tasks.base import Prediction
from benchlab.tasks.evaluation import evaluate

__all__ = ["EvaluateOutput", "EvaluatePass"]


@dataclass(frozen=True)
class EvaluateOutput:
    """Scored predictions in eval order and the wall time they took."""

    predictions: list[Prediction]
    seconds: float


class EvaluatePass:
    """Predictions for the whole eval set, with a progress bar."""

    name = "evaluate"

    def summary(self, output: EvaluateOutput) -> dict[str, Any]:
        """How many predictions, and the seconds they took (the metrics are the record's)."""
        return {"n": len(output.predictions), "seconds": output.seconds}

    def run(self, context: PassContext) -> EvaluateOutput:
        """Evaluate and time the batched run."""
        spec, eval_context = context.spec, context.eval_context
        with context.progress.track(f"eval  {spec.id}", len(context.examples)) as advance:
            eval_context.advance = advance
            started = time.perf_counter()
            predictions = evaluate(context.task, context.backend, context.examples, eval_context)
            seconds = time.perf_counter() - started
        return EvaluateOutput(predictions, seconds)
