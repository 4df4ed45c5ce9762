"""Seeded sampling that leaves the caller's random state alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["seeded"]


@contextmanager
def seeded(seed: int, sampling: bool) -> Iterator[None]:
    """Run a block under `seed` in a forked torch RNG (no-op for greedy decoding)."""
    import torch

    if not sampling:
        yield
        return
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
