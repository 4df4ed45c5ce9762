"""Few-shot demonstrations: picked with a fixed seed from the train split, never the eval split.

Two rules: `random` draws k per item (seeded by the item's id), `first_n` takes the pool's first
k, as lm-evaluation-harness does for MMLU (the same five dev questions before every question of a
subject), which also lets a backend compute that shared block once. For grouped tasks (subjects)
demonstrations come from the item's own group by default.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal

from benchlab.errors import DataError
from benchlab.tasks.base import Example

__all__ = ["FewShotRule", "FewShotSampler"]

FewShotRule = Literal["random", "first_n"]


class FewShotSampler:
    """Draws k demonstrations per example from a pool of training examples.

    The draw depends only on the seed and the example id, so results do not change with
    evaluation order, and an item whose text equals the evaluated one is never shown. With
    `same_group`, an example with a group (subject) draws from that group's part of the pool
    when it has one; ungrouped examples draw from the whole pool.
    """

    def __init__(
        self,
        pool: Sequence[Example],
        k: int,
        seed: int,
        *,
        rule: FewShotRule = "random",
        same_group: bool = True,
    ) -> None:
        if k > len(pool):
            raise DataError(f"few-shot k={k} but the train split has only {len(pool)} examples")
        self.pool = list(pool)
        self.k = k
        self.seed = seed
        self.rule = rule
        self.groups: dict[str, list[Example]] = {}
        if same_group:
            for example in self.pool:
                if example.group is not None:
                    self.groups.setdefault(example.group, []).append(example)

    def _pool_for(self, example: Example) -> list[Example]:
        if example.group is None:
            return self.pool
        own = self.groups.get(example.group)
        if own is None:
            return self.pool
        eligible = [e for e in own if e.id != example.id and e.data != example.data]
        if len(eligible) < self.k:
            raise DataError(
                f"few-shot k={self.k} but group {example.group!r} has only {len(eligible)} "
                "train examples; lower k or set same_group: false on the mode"
            )
        return own

    def __call__(self, example: Example) -> list[Example]:
        """The k demonstrations for one evaluated example."""
        if self.k == 0:
            return []
        pool = self._pool_for(example)
        if self.rule == "first_n":
            return [e for e in pool if e.id != example.id and e.data != example.data][: self.k]
        rng = random.Random(f"{self.seed}:{example.id}")
        candidates = [
            e
            for e in rng.sample(pool, min(len(pool), self.k + 8))
            if e.id != example.id and e.data != example.data
        ]
        if len(candidates) < self.k:
            candidates = [e for e in pool if e.id != example.id and e.data != example.data]
            rng.shuffle(candidates)
        return candidates[: self.k]
