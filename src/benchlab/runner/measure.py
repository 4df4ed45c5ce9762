"""Cost measurements: per-example latency at batch size 1, throughput, peak memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchlab.backends.base import Backend
from benchlab.backends.cache import bypass_cache
from benchlab.tasks.base import EvalContext, Example, Task
from benchlab.tasks.evaluation import evaluate

__all__ = ["LatencyStats", "PeakMemory", "measure_latency"]


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
    """Time each example alone (batch size 1), after one warm-up example."""
    if not examples:
        return LatencyStats(None, None, None, 0)
    quiet = EvalContext(
        demonstrations=context.demonstrations,
        use_classifier_head=context.use_classifier_head,
        seed=context.seed,
    )
    saved = backend.batch_size
    backend.batch_size = 1
    try:
        with bypass_cache(backend):  # time the model, not cache look-ups
            evaluate(task, backend, examples[:1], quiet)
            times = []
            for example in examples:
                started = time.perf_counter()
                evaluate(task, backend, [example], quiet)
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


def _rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakMemory:
    """Samples resident memory (and CUDA peak allocation) while a block runs."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.start_mb = 0.0
        self.peak_mb = 0.0
        self.gpu_peak_mb: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PeakMemory:
        import torch

        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        self.start_mb = self.peak_mb = _rss_mb()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, _rss_mb())

    def __exit__(self, *exc: object) -> None:
        import torch

        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_mb = max(self.peak_mb, _rss_mb())
        if torch.cuda.is_available():
            self.gpu_peak_mb = torch.cuda.max_memory_allocated() / 2**20

    def to_json(self) -> dict[str, Any]:
        """Peak process memory, its growth during the block, and CUDA peak if any."""
        return {
            "peak_rss_mb": round(self.peak_mb, 1),
            "rss_increase_mb": round(self.peak_mb - self.start_mb, 1),
            "peak_gpu_mb": None if self.gpu_peak_mb is None else round(self.gpu_peak_mb, 1),
        }
