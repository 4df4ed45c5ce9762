"""Carving a validation set out of the training data: by seed, never from the eval split."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["carve_validation"]

T = TypeVar("T")


def carve_validation(items: Sequence[T], fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """Split training items (examples or rows) into (train, validation) by a seed.

    At least one validation item when `fraction` > 0, never all of them: a single item stays
    in training.
    """
    order = list(items)
    random.Random(seed).shuffle(order)
    n_val = max(1, round(len(order) * fraction)) if fraction > 0 and len(order) > 1 else 0
    return order[n_val:], order[:n_val]
