"""Few-shot demonstrations: sampled with a fixed seed from the train split, never the eval split."""

from __future__ import annotations

import random
from collections.abc import Sequence

from benchlab.errors import DataError
from benchlab.tasks.base import Example

__all__ = ["FewShotSampler"]


class FewShotSampler:
    """Draws k demonstrations per example from a pool of training examples.

    The draw depends only on the seed and the example id, so results do not change with
    evaluation order, and an item whose text equals the evaluated one is never shown.
    """

    def __init__(self, pool: Sequence[Example], k: int, seed: int) -> None:
        if k > len(pool):
            raise DataError(f"few-shot k={k} but the train split has only {len(pool)} examples")
        self.pool = list(pool)
        self.k = k
        self.seed = seed

    def __call__(self, example: Example) -> list[Example]:
        """The k demonstrations for one evaluated example."""
        if self.k == 0:
            return []
        rng = random.Random(f"{self.seed}:{example.id}")
        candidates = [
            e
            for e in rng.sample(self.pool, min(len(self.pool), self.k + 8))
            if e.id != example.id and e.data != example.data
        ]
        if len(candidates) < self.k:
            candidates = [e for e in self.pool if e.id != example.id and e.data != example.data]
            rng.shuffle(candidates)
        return candidates[: self.k]
