"""The scoring-model pass: a task's second model (e.g. MiniLM for semantic similarity) answers.

It runs after `evaluate` and before metrics, so per-item scores land in predictions.jsonl; the
model is built through the backend registry, and its time is kept out of the latency figure.
"""

from __future__ import annotations

import time
from typing import Any

from benchlab.backends.registry import build_backend
from benchlab.runner.passes.base import PassContext
from benchlab.tasks.evaluation import answer_requests
from benchlab.tasks.scoring_model import ModelScoredTask

__all__ = ["ScoringModelPass"]


class ScoringModelPass:
    """Answer the task's scoring requests about the evaluated predictions."""

    name = "scoring_model"

    def summary(self, output: dict[str, Any]) -> dict[str, Any]:
        """Which scoring model answered, how many requests, in how many seconds."""
        return output

    def run(self, context: PassContext) -> dict[str, Any]:
        """Build the scoring model, answer, and hand the answers back to the task."""
        task = context.task
        spec = task.scoring_model_spec() if isinstance(task, ModelScoredTask) else None
        if spec is None:
            return {"model": None}
        predictions = context.outputs["evaluate"].predictions
        started = time.perf_counter()
        backend = build_backend(spec)
        requests = task.scoring_requests(predictions)
        task.apply_scoring(predictions, answer_requests(backend, requests))
        seconds = time.perf_counter() - started
        context.log(f"{context.spec.id}: scoring model {spec.path} answered {len(requests)}")
        return {
            "model": spec.path,
            "revision": backend.revision,
            "requests": len(requests),
            "seconds": seconds,
        }
