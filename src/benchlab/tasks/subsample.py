"""Seeded subsampling of a split, so a profile's cap is reproducible and keeps the label mix."""

from __future__ import annotations

import random
from collections.abc import Sequence

from benchlab.tasks.base import Example

__all__ = ["cap_examples"]


def cap_examples(examples: Sequence[Example], limit: int | None, seed: int) -> list[Example]:
    """At most `limit` examples in their original order, chosen by a seeded sample."""
    if limit is None or len(examples) <= limit:
        return list(examples)
    keep = set(random.Random(seed).sample(range(len(examples)), limit))
    return [e for i, e in enumerate(examples) if i in keep]
