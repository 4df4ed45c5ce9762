"""Intervals that stay honest at 0% and 100%, where the percentile bootstrap collapses.

A bootstrap resample of 200/200 correct items is again 200/200, so the percentile interval is
[1, 1]: it claims certainty that 200 items cannot give. The rule benchlab applies, in
`scoring.metric.metric_with_ci` and `stats.paired.paired_bootstrap_difference`:

- a proportion (the mean of a 0/1 column) whose bootstrap draws are all equal gets the Wilson
  score interval instead (200/200 gives [0.981, 1]); `ci_method` says "wilson";
- a paired difference of proportions whose draws are all equal (every item concordant, or one
  system right exactly where the other is wrong) gets Newcombe's (1998) hybrid score interval
  for paired proportions (his method 10), built from the two Wilson intervals;
- any other statistic (F1, MCC) keeps its degenerate interval, and its method gains the suffix
  `_degenerate`, so a reader knows the width is an artefact, not a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from benchlab.stats.intervals import Interval, check_confidence, wilson_interval

__all__ = [
    "DEGENERATE_SUFFIX",
    "binary_successes",
    "is_degenerate",
    "newcombe_paired_interval",
]

DEGENERATE_SUFFIX = "_degenerate"


def is_degenerate(interval: Interval) -> bool:
    """Whether a bootstrap interval has zero width (all resampled statistics were equal)."""
    low, high = float(interval.low), float(interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return False
    return high - low <= 1e-12 * max(1.0, abs(low), abs(high))


def binary_successes(
    statistic: Callable[..., float], columns: Sequence[Any], value: float
) -> int | None:
    """The success count when `statistic` is the mean of one 0/1 column, else None.

    That is the case for accuracy, exact match, pass@1 and every share that tasks report as
    the mean of per-item correctness; a statistic of several columns is never taken for one.
    """
    if len(columns) != 1:
        return None
    column = np.asarray(columns[0])
    if column.ndim != 1 or column.size == 0:
        return None
    try:
        as_float = column.astype(float)
    except (TypeError, ValueError):
        return None
    if not np.all((as_float == 0.0) | (as_float == 1.0)):
        return None
    successes = int(as_float.sum())
    if not math.isclose(value, successes / column.size, rel_tol=0.0, abs_tol=1e-12):
        return None
    return successes


def newcombe_paired_interval(
    both: int, a_only: int, b_only: int, neither: int, confidence: float = 0.95
) -> Interval:
    """Newcombe's (1998, method 10) interval for p_B - p_A on paired binary outcomes.

    `both`, `a_only`, `b_only`, `neither` count the items both systems got right, only A,
    only B, and neither. With Wilson intervals (l_A, u_A) and (l_B, u_B) and the phi
    correlation of the 2x2 table (0 when a margin is empty),
        low  = d - sqrt((p_B - l_B)^2 - 2 phi (p_B - l_B)(u_A - p_A) + (u_A - p_A)^2)
        high = d + sqrt((u_B - p_B)^2 - 2 phi (u_B - p_B)(p_A - l_A) + (p_A - l_A)^2)
    where d = p_B - p_A. It keeps a width where the bootstrap of the difference has none.
    """
    check_confidence(confidence)
    counts = (both, a_only, b_only, neither)
    if any(c < 0 for c in counts) or sum(counts) == 0:
        raise ValueError(f"paired counts must be non-negative with a positive total, got {counts}")
    n = sum(counts)
    right_a, right_b = both + a_only, both + b_only
    p_a, p_b = right_a / n, right_b / n
    wilson_a = wilson_interval(right_a, n, confidence)
    wilson_b = wilson_interval(right_b, n, confidence)
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    phi = (both * neither - a_only * b_only) / math.sqrt(margins) if margins else 0.0
    down_b, up_a = p_b - wilson_b.low, wilson_a.high - p_a
    up_b, down_a = wilson_b.high - p_b, p_a - wilson_a.low
    below = math.sqrt(max(0.0, down_b**2 - 2.0 * phi * down_b * up_a + up_a**2))
    above = math.sqrt(max(0.0, up_b**2 - 2.0 * phi * up_b * down_a + down_a**2))
    difference = p_b - p_a
    return Interval(
        max(-1.0, difference - below), min(1.0, difference + above), confidence, "newcombe_paired"
    )
