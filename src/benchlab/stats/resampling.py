"""Evaluate a statistic on many resamples of the same rows, batched when the statistic allows.

Every bootstrap, jackknife and permutation in `benchlab.stats` goes through here, so the speed
trick lives in one place: a statistic that reduces over the last axis (for example
``lambda x: x.mean(axis=-1)``) is called once per batch of resamples with 2-D arrays; any other
statistic (``float(np.mean(x))``, a confusion-matrix F1) is called once per resample with 1-D
arrays. Which path runs is decided by a probe and never changes the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from benchlab.errors import DataError

__all__ = [
    "BATCH_ELEMENTS",
    "accepts_batches",
    "as_columns",
    "bootstrap_draws",
    "evaluate",
    "jackknife_values",
]

Statistic = Callable[..., Any]

# Upper bound on index elements materialised at once (~16 MB of int64).
BATCH_ELEMENTS = 2_000_000


def as_columns(arrays: Sequence[Sequence[Any] | np.ndarray]) -> list[np.ndarray]:
    """The arrays as numpy columns of one common, non-zero length (rows are the items)."""
    if not arrays:
        raise ValueError("give at least one array to resample")
    columns = [np.asarray(a) for a in arrays]
    lengths = {len(c) for c in columns}
    if len(lengths) != 1:
        raise DataError(
            f"paired arrays must have the same length, got lengths {[len(c) for c in columns]}; "
            "align predictions and references item by item"
        )
    if lengths.pop() == 0:
        raise ValueError("cannot resample zero items (n=0)")
    return columns


def evaluate(statistic: Statistic, batch: Sequence[np.ndarray], batched: bool) -> np.ndarray:
    """Statistic of each resample in `batch` (arrays shaped (resamples, rows, ...))."""
    if batched:
        return np.asarray(statistic(*batch), dtype=float).reshape(-1)
    count = len(batch[0])
    return np.fromiter(
        (float(statistic(*[a[r] for a in batch])) for r in range(count)), float, count
    )


def accepts_batches(statistic: Statistic, columns: Sequence[np.ndarray]) -> bool:
    """Whether `statistic` maps (k, n) arrays to the k per-row values (checked on a probe)."""
    n = len(columns[0])
    index = np.random.default_rng(20240917).integers(0, n, size=(3, n))
    batch = [c[index] for c in columns]
    try:
        with np.errstate(all="ignore"):
            together = np.asarray(statistic(*batch), dtype=float)
            if together.shape != (3,):
                return False
            one_by_one = evaluate(statistic, batch, batched=False)
    except Exception:
        return False
    return bool(np.allclose(together, one_by_one, rtol=1e-9, atol=1e-12, equal_nan=True))


def _chunks(total: int, row_length: int) -> Iterator[tuple[int, int]]:
    step = max(1, BATCH_ELEMENTS // max(1, row_length))
    for start in range(0, total, step):
        yield start, min(total, start + step)


def bootstrap_draws(
    statistic: Statistic,
    columns: Sequence[np.ndarray],
    n_resamples: int,
    rng: np.random.Generator,
    batched: bool,
) -> np.ndarray:
    """The statistic on `n_resamples` row resamples drawn with replacement, rows kept paired."""
    n = len(columns[0])
    draws = np.empty(n_resamples)
    with np.errstate(all="ignore"):
        for start, stop in _chunks(n_resamples, n):
            index = rng.integers(0, n, size=(stop - start, n))
            draws[start:stop] = evaluate(statistic, [c[index] for c in columns], batched)
    return draws


def jackknife_values(
    statistic: Statistic,
    columns: Sequence[np.ndarray],
    batched: bool,
    *,
    max_groups: int = 2000,
) -> np.ndarray:
    """The statistic with each row left out in turn (for the BCa acceleration).

    Above `max_groups` rows, rows are split into that many random groups (fixed seed) and one
    group is left out at a time: the acceleration is a ratio of moments that grouping leaves
    unchanged in expectation, and it keeps BCa on 15k items to a fraction of a second.
    """
    n = len(columns[0])
    with np.errstate(all="ignore"):
        if n > max_groups:
            group = np.empty(n, dtype=np.int64)
            group[np.random.default_rng(n).permutation(n)] = np.arange(n) % max_groups
            return np.array(
                [
                    evaluate(statistic, [c[group != g][None] for c in columns], batched)[0]
                    for g in range(max_groups)
                ]
            )
        keep = np.arange(n - 1)
        values = np.empty(n)
        for start, stop in _chunks(n, n - 1):
            left_out = np.arange(start, stop)[:, None]
            index = keep[None, :] + (keep[None, :] >= left_out)
            values[start:stop] = evaluate(statistic, [c[index] for c in columns], batched)
    return values
