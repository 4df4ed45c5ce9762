"""Analytic confidence intervals: a proportion (Wilson), a mean (t or z), a clustered mean.

These are closed forms, so they are exact to rounding and cost nothing; the bootstrap in
`benchlab.stats.bootstrap` covers every statistic without one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as sps

from benchlab.errors import DataError

__all__ = [
    "ClusteredMean",
    "Interval",
    "check_confidence",
    "clustered_mean_interval",
    "normal_mean_interval",
    "wilson_interval",
]


def check_confidence(confidence: float) -> float:
    """Return `confidence` if it lies strictly between 0 and 1, else raise ValueError."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(confidence)


@dataclass(frozen=True)
class Interval:
    """A confidence interval [low, high] at level `confidence`, and how it was computed."""

    low: float
    high: float
    confidence: float = 0.95
    method: str = "unspecified"

    @property
    def width(self) -> float:
        """high - low (NaN when either bound is NaN)."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """Whether `value` lies inside the closed interval."""
        return bool(self.low <= value <= self.high)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for successes / n: keeps its coverage near 0 and 1, unlike Wald."""
    check_confidence(confidence)
    if n <= 0:
        raise ValueError(f"a proportion needs n >= 1 trials, got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, n={n}], got {successes}")
    z = float(sps.norm.ppf(0.5 + confidence / 2.0))
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact: no rounding residue
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(low, high, confidence, "wilson")


def _values(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float).reshape(-1)
    if array.size == 0:
        raise ValueError("cannot build an interval for a mean of zero values")
    return array


def normal_mean_interval(
    values: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
    *,
    distribution: Literal["t", "z"] = "t",
) -> Interval:
    """mean ± critical value x SE (SE = sample sd / sqrt(n)), Student t with n-1 df by default."""
    check_confidence(confidence)
    array = _values(values)
    n, mean = array.size, float(array.mean())
    if n == 1:
        return Interval(mean, mean, confidence, f"normal_{distribution}")
    se = float(array.std(ddof=1)) / math.sqrt(n)
    q = 0.5 + confidence / 2.0
    crit = float(sps.t.ppf(q, n - 1)) if distribution == "t" else float(sps.norm.ppf(q))
    return Interval(mean - crit * se, mean + crit * se, confidence, f"normal_{distribution}")


@dataclass(frozen=True)
class ClusteredMean:
    """A mean with its cluster-robust SE, the naive SE it replaces, and the interval."""

    mean: float
    se: float
    naive_se: float
    n: int
    n_clusters: int
    interval: Interval


def clustered_mean_interval(
    values: Sequence[float] | np.ndarray,
    clusters: Sequence[Any] | np.ndarray,
    confidence: float = 0.95,
) -> ClusteredMean:
    """Mean of items that come in groups (passages, problems), with a clustered SE.

    Items sharing a cluster are correlated, so the naive SE understates the uncertainty.
    Following Miller (2024, "Adding Error Bars to Evals", eq. 4):

        SE_clustered = sqrt( sum_c ( sum_{i in c} (x_i - mean) )^2 ) / n

    With one item per cluster it reduces to the naive SE sqrt(sum_i (x_i - mean)^2) / n (the
    population-variance form, reported as `naive_se` for comparison). The interval is
    mean ± z x SE with a normal critical value, as in the paper.
    """
    check_confidence(confidence)
    array = _values(values)
    labels = np.asarray(clusters).reshape(-1)
    if labels.size != array.size:
        raise DataError(
            f"clustered mean: {array.size} values but {labels.size} cluster labels; "
            "give one cluster label per value"
        )
    _, codes = np.unique(labels, return_inverse=True)
    n, mean = array.size, float(array.mean())
    residual = array - mean
    cluster_sums = np.bincount(codes, weights=residual)
    se = math.sqrt(float(np.sum(cluster_sums**2))) / n
    naive_se = math.sqrt(float(np.sum(residual**2))) / n
    z = float(sps.norm.ppf(0.5 + confidence / 2.0))
    interval = Interval(mean - z * se, mean + z * se, confidence, "clustered_normal")
    return ClusteredMean(mean, se, naive_se, n, int(cluster_sums.size), interval)
