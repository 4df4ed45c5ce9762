"""The latency pass: the backend alone answering one example's requests at batch size 1.

Requests are built before the clock starts and answers are not scored, so prompt building,
answer extraction, sandboxed test runs and judge calls never count; the response cache is
bypassed so a cached answer is not mistaken for a fast model.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchlab.backends.base import Backend
from benchlab.backends.cache import bypass_cache
from benchlab.runner.passes.base import PassContext
from benchlab.tasks.base import EvalContext, Example, Task
from benchlab.tasks.evaluation import answer_requests, example_requests

__all__ = ["LatencyPass", "LatencyStats", "measure_latency"]


@dataclass(frozen=True)
class LatencyStats:
    """Per-example wall time at batch size 1, in milliseconds."""

    p50_ms: float | None
    p95_ms: float | None
    mean_ms: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"p50": self.p50_ms, "p95": self.p95_ms, "mean": self.mean_ms, "n": self.n}


def measure_latency(
    task: Task, backend: Backend, examples: Sequence[Example], context: EvalContext
) -> LatencyStats:
    """Time the backend on each example's requests alone, after one warm-up example."""
    if not examples:
        return LatencyStats(None, None, None, 0)
    quiet = EvalContext(
        demonstrations=context.demonstrations,
        use_classifier_head=context.use_classifier_head,
        seed=context.seed,
        reasoning=context.reasoning,
    )
    per_example = [example_requests(task, e, quiet.demonstrations(e), quiet) for e in examples]
    saved = backend.batch_size
    backend.batch_size = 1
    try:
        with bypass_cache(backend):  # time the model, not cache look-ups
            answer_requests(backend, per_example[0])
            times = []
            for requests in per_example:
                started = time.perf_counter()
                answer_requests(backend, requests)
                times.append((time.perf_counter() - started) * 1000)
    finally:
        backend.batch_size = saved
    values = np.array(times)
    return LatencyStats(
        float(np.percentile(values, 50)),
        float(np.percentile(values, 95)),
        float(values.mean()),
        len(times),
    )


class LatencyPass:
    """Latency on the first `profile.latency_examples` eval examples."""

    name = "latency"

    def summary(self, output: LatencyStats) -> dict[str, Any]:
        """The latency statistics (also the record's cost.latency_ms)."""
        return output.to_json()

    def run(self, context: PassContext) -> LatencyStats:
        """Measure, reusing the method's demonstrations so prompts match the evaluated ones."""
        examples = context.examples[: context.spec.profile.latency_examples]
        return measure_latency(context.task, context.backend, examples, context.eval_context)
