"""Seeded bootstrap CIs for any metric: the interval behind every number benchlab reports.

Rows of the given arrays are resampled jointly (gold and prediction stay paired), the
statistic is recomputed on each resample, and the interval is read off that distribution:
`percentile` takes its quantiles, `bca` corrects them for bias and skew with a jackknife
acceleration (Efron and Tibshirani 1993, eq. 14.9-14.15; the same estimator as
`scipy.stats.bootstrap(method="BCa")`; above 2000 rows the jackknife leaves out groups of
rows, see `resampling.jackknife_values`). Resamples whose statistic is NaN (an undefined F1 on a
resample without positives) are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.special import ndtr, ndtri

from benchlab.errors import DataError
from benchlab.stats.intervals import Interval, check_confidence
from benchlab.stats.resampling import (
    accepts_batches,
    as_columns,
    bootstrap_draws,
    jackknife_values,
)

__all__ = [
    "BootstrapResult",
    "bootstrap",
    "bootstrap_ci",
    "bootstrap_ci_clustered",
    "interval_from_draws",
]

Method = Literal["percentile", "bca"]
ArrayLike = Sequence[Any] | np.ndarray


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """The statistic on the full data, its interval, and the resampled values behind it."""

    point: float
    interval: Interval
    draws: np.ndarray


def _bca_levels(draws: np.ndarray, point: float, jackknife: np.ndarray, alpha: float) -> Any:
    """BCa-adjusted quantile levels for the two bounds (NaN when the correction is undefined)."""
    below = np.count_nonzero(draws < point) + np.count_nonzero(draws <= point)
    z0 = ndtri(below / (2.0 * draws.size))
    spread = jackknife.mean() - jackknife
    denom = 6.0 * float(np.sum(spread**2)) ** 1.5
    accel = float(np.sum(spread**3)) / denom if denom > 0 else 0.0
    z = ndtri(np.array([alpha, 1.0 - alpha]))
    with np.errstate(all="ignore"):
        return ndtr(z0 + (z0 + z) / (1.0 - accel * (z0 + z)))


def interval_from_draws(
    draws: np.ndarray,
    point: float,
    confidence: float = 0.95,
    method: Method = "percentile",
    jackknife: np.ndarray | None = None,
    *,
    label: str = "bootstrap",
) -> Interval:
    """Read a percentile or BCa interval off bootstrap draws (BCa needs jackknife values).

    Constant draws give the degenerate interval at the point. When the BCa correction is
    undefined (every draw on one side of the point) the percentile interval is returned and
    its `method` says so.
    """
    check_confidence(confidence)
    finite = draws[~np.isnan(draws)]
    if finite.size == 0:
        return Interval(float("nan"), float("nan"), confidence, f"{label}_{method}")
    lowest, highest = float(finite.min()), float(finite.max())
    if highest - lowest <= 1e-12 * max(1.0, abs(point)):
        return Interval(min(point, lowest), max(point, highest), confidence, f"{label}_{method}")
    alpha = (1.0 - confidence) / 2.0
    levels = np.array([alpha, 1.0 - alpha])
    used: str = "percentile"
    if method == "bca":
        if jackknife is None:
            raise ValueError("the BCa interval needs the jackknife values of the statistic")
        adjusted = _bca_levels(finite, point, jackknife[~np.isnan(jackknife)], alpha)
        if np.all(np.isfinite(adjusted)):
            levels, used = adjusted, "bca"
    elif method != "percentile":
        raise ValueError(f"unknown bootstrap interval method {method!r}; use 'percentile' or 'bca'")
    low, high = np.quantile(finite, levels)
    return Interval(float(low), float(high), confidence, f"{label}_{used}")


def bootstrap(
    statistic: Callable[..., float],
    *arrays: ArrayLike,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    method: Method = "percentile",
    vectorized: bool | None = None,
) -> BootstrapResult:
    """Like `bootstrap_ci`, but also returns the point estimate and the bootstrap draws."""
    check_confidence(confidence)
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    columns = as_columns(arrays)
    point = float(statistic(*columns))
    batched = accepts_batches(statistic, columns) if vectorized is None else vectorized
    rng = np.random.default_rng(seed)
    draws = bootstrap_draws(statistic, columns, n_resamples, rng, batched)
    jackknife = None
    finite = draws[~np.isnan(draws)]
    varies = finite.size > 0 and finite.max() > finite.min()
    if method == "bca" and varies:
        jackknife = jackknife_values(statistic, columns, batched)
    interval = interval_from_draws(draws, point, confidence, method, jackknife)
    return BootstrapResult(point, interval, draws)


def bootstrap_ci(
    statistic: Callable[..., float],
    *arrays: ArrayLike,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    method: Method = "percentile",
    vectorized: bool | None = None,
) -> Interval:
    """Seeded bootstrap CI of `statistic(*arrays)`, resampling rows jointly across the arrays.

    `statistic` takes one 1-D array per input (e.g. ``accuracy(gold, pred)``) and returns a
    float. If it also maps 2-D arrays to one value per row (``x.mean(axis=-1)``), resamples
    are evaluated in batches; `vectorized=None` detects this with a probe, True/False forces
    it. Raises ValueError for n = 0; n = 1 or constant data give the interval [point, point].
    The same seed gives the same interval.
    """
    return bootstrap(
        statistic,
        *arrays,
        n_resamples=n_resamples,
        confidence=confidence,
        seed=seed,
        method=method,
        vectorized=vectorized,
    ).interval


def _cluster_rows(clusters: ArrayLike, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row order grouped by cluster, with each cluster's start offset and size."""
    labels = np.asarray(clusters).reshape(-1)
    if labels.size != n:
        raise DataError(
            f"clustered bootstrap: {n} rows but {labels.size} cluster labels; "
            "give one cluster label per row"
        )
    _, codes, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    order = np.argsort(codes, kind="stable")
    starts = np.cumsum(sizes) - sizes
    return order, starts, sizes


def _rows_of(chosen: np.ndarray, order: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> Any:
    """Row indices of the chosen clusters, concatenated (a cluster may repeat)."""
    lengths = sizes[chosen]
    offsets = np.repeat(starts[chosen] - (np.cumsum(lengths) - lengths), lengths)
    return order[np.arange(lengths.sum()) + offsets]


def bootstrap_ci_clustered(
    statistic: Callable[..., float],
    *arrays: ArrayLike,
    clusters: ArrayLike,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    method: Method = "percentile",
) -> Interval:
    """Bootstrap CI that resamples whole clusters (items sharing a passage or problem).

    Items in one cluster are correlated, so resampling them one by one makes the interval too
    narrow; drawing clusters with replacement keeps that correlation (the bootstrap analogue
    of `clustered_mean_interval`). BCa's jackknife leaves out one cluster at a time.
    """
    check_confidence(confidence)
    columns = as_columns(arrays)
    order, starts, sizes = _cluster_rows(clusters, len(columns[0]))
    point = float(statistic(*columns))
    rng = np.random.default_rng(seed)
    n_clusters = sizes.size
    draws = np.empty(n_resamples)
    with np.errstate(all="ignore"):
        for r in range(n_resamples):
            rows = _rows_of(rng.integers(0, n_clusters, size=n_clusters), order, starts, sizes)
            draws[r] = float(statistic(*[c[rows] for c in columns]))
        jackknife = None
        if method == "bca" and n_clusters > 1:
            everyone = np.arange(n_clusters)
            jackknife = np.array(
                [
                    float(
                        statistic(
                            *[
                                c[_rows_of(everyone[everyone != g], order, starts, sizes)]
                                for c in columns
                            ]
                        )
                    )
                    for g in range(n_clusters)
                ]
            )
    return interval_from_draws(
        draws, point, confidence, method, jackknife, label="cluster_bootstrap"
    )
