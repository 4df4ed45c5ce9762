"""Peak memory while an experiment runs (latency is a pass: runner/passes/latency.py)."""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["PeakMemory"]


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
