"""Is system B really better than system A on the same items? Paired tests that answer it.

Scoring both systems on the same examples makes their errors correlated; a paired test uses
that and is far more sensitive than comparing two separate intervals. McNemar's exact test
suits per-item correctness; the paired bootstrap and the permutation test work for any
metric (F1, MCC, exact match), called as benchlab's metrics are: ``statistic(gold, pred)``,
or ``statistic(pred)`` when `gold` is None (per-item scores).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from benchlab.errors import DataError
from benchlab.stats.bootstrap import Method, interval_from_draws
from benchlab.stats.boundary import (
    DEGENERATE_SUFFIX,
    binary_successes,
    is_degenerate,
    newcombe_paired_interval,
)
from benchlab.stats.intervals import Interval, check_confidence
from benchlab.stats.resampling import (
    BATCH_ELEMENTS,
    accepts_batches,
    as_columns,
    bootstrap_draws,
    evaluate,
    jackknife_values,
)

__all__ = [
    "PairedTestResult",
    "mcnemar_exact",
    "paired_bootstrap_difference",
    "paired_permutation_test",
]

ArrayLike = Sequence[Any] | np.ndarray


@dataclass(frozen=True)
class PairedTestResult:
    """A paired comparison: difference = metric(B) - metric(A), its p-value and CI.

    `statistic` is the test's own statistic (McNemar: min(a_only, b_only); the resampling
    tests: the observed difference). `a_only` / `b_only` count the discordant items that only
    A / only B got right, when the test is on per-item correctness.
    """

    test: str
    difference: float
    p_value: float
    n: int
    statistic: float
    ci: Interval | None = None
    a_only: int | None = None
    b_only: int | None = None

    def significant(self, alpha: float = 0.05) -> bool:
        """Whether the two-sided p-value is below `alpha`."""
        return bool(self.p_value < alpha)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _correctness(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values).reshape(-1)
    if not np.isin(array, [0, 1]).all():
        raise DataError(f"{name} must hold per-item correctness as 0/1 or booleans")
    return array.astype(bool)


def mcnemar_exact(correct_a: ArrayLike, correct_b: ArrayLike) -> PairedTestResult:
    """McNemar's exact test: two-sided binomial test of the discordant pairs against 1/2.

    Only items where exactly one system is right carry information; under the null each is
    equally likely to favour A or B, so p = min(1, 2 x BinomCDF(min(b, c); b + c, 1/2)).
    No CI is attached: use `paired_bootstrap_difference` for an interval.
    """
    a, b = (
        _correctness(x, name) for x, name in ((correct_a, "correct_a"), (correct_b, "correct_b"))
    )
    as_columns([a, b])
    a_only, b_only = int(np.sum(a & ~b)), int(np.sum(~a & b))
    discordant = a_only + b_only
    smaller = min(a_only, b_only)
    p = 1.0 if discordant == 0 else min(1.0, 2.0 * float(sps.binom.cdf(smaller, discordant, 0.5)))
    n = a.size
    return PairedTestResult(
        "mcnemar_exact", (b_only - a_only) / n, p, n, float(smaller), None, a_only, b_only
    )


def _difference_statistic(statistic: Callable[..., float], with_gold: bool) -> Callable[..., Any]:
    """metric(B) - metric(A) as a statistic of the columns (pred_a, pred_b[, gold])."""
    if with_gold:
        return lambda a, b, g: statistic(g, b) - statistic(g, a)
    return lambda a, b: statistic(b) - statistic(a)


def _columns(pred_a: ArrayLike, pred_b: ArrayLike, gold: ArrayLike | None) -> list[np.ndarray]:
    return as_columns([pred_a, pred_b] if gold is None else [pred_a, pred_b, gold])


def paired_bootstrap_difference(
    statistic: Callable[..., float],
    pred_a: ArrayLike,
    pred_b: ArrayLike,
    gold: ArrayLike | None = None,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    method: Method = "percentile",
) -> PairedTestResult:
    """Bootstrap the difference metric(B) - metric(A) over the same resampled items.

    The p-value is the proportion-of-sign one, two-sided: p = 2 x min(#{d* <= 0}, #{d* >= 0})
    with the add-one correction (count + 1) / (B + 1), capped at 1. It is the inversion of the
    percentile interval (p < alpha roughly when the 1 - alpha interval excludes 0) and never
    reports p = 0 from finitely many resamples. Identical systems give d = 0 and p = 1.

    When every resampled difference is the same (all items concordant, or one system right
    exactly where the other is wrong), a difference of two proportions (the mean of 0/1
    per-item columns, `gold` None) gets Newcombe's paired interval instead of the collapsed
    one; any other metric keeps it, with `_degenerate` appended to its method.
    """
    check_confidence(confidence)
    columns = _columns(pred_a, pred_b, gold)
    difference = _difference_statistic(statistic, gold is not None)
    point = float(difference(*columns))
    batched = accepts_batches(difference, columns)
    draws = bootstrap_draws(difference, columns, n_resamples, np.random.default_rng(seed), batched)
    finite = draws[~np.isnan(draws)]
    jackknife = None
    if method == "bca" and finite.size and finite.max() > finite.min():
        jackknife = jackknife_values(difference, columns, batched)
    ci = interval_from_draws(draws, point, confidence, method, jackknife)
    if is_degenerate(ci):
        ci = _boundary_interval(statistic, columns, gold is None, ci)
    if finite.size == 0:
        p = float("nan")
    else:
        tail = min(np.count_nonzero(finite <= 0), np.count_nonzero(finite >= 0))
        p = min(1.0, 2.0 * (tail + 1) / (finite.size + 1))
    return PairedTestResult("paired_bootstrap", point, p, len(columns[0]), point, ci)


def _boundary_interval(
    statistic: Callable[..., float], columns: list[np.ndarray], per_item: bool, ci: Interval
) -> Interval:
    """The interval for a degenerate bootstrap of a difference (see `stats.boundary`)."""
    if per_item:
        a, b = columns
        right_a = binary_successes(statistic, [a], float(statistic(a)))
        right_b = binary_successes(statistic, [b], float(statistic(b)))
        if right_a is not None and right_b is not None:
            a_hits, b_hits = a.astype(bool), b.astype(bool)
            both = int(np.sum(a_hits & b_hits))
            a_only, b_only = int(np.sum(a_hits & ~b_hits)), int(np.sum(~a_hits & b_hits))
            neither = a.size - both - a_only - b_only
            return newcombe_paired_interval(both, a_only, b_only, neither, ci.confidence)
    return Interval(ci.low, ci.high, ci.confidence, ci.method + DEGENERATE_SUFFIX)


def paired_permutation_test(
    statistic: Callable[..., float],
    pred_a: ArrayLike,
    pred_b: ArrayLike,
    gold: ArrayLike | None = None,
    *,
    n_permutations: int = 1000,
    seed: int = 0,
) -> PairedTestResult:
    """Paired approximate-randomisation test: swap A's and B's outputs per item at random.

    Under the null that the systems are exchangeable, each swap pattern is equally likely;
    p = (#{|d*| >= |d|} + 1) / (R + 1), two-sided. Predictions must be 1-D (one per item).
    """
    columns = _columns(pred_a, pred_b, gold)
    if columns[0].ndim != 1 or columns[1].ndim != 1:
        raise ValueError("paired_permutation_test needs one prediction per item (1-D arrays)")
    difference = _difference_statistic(statistic, gold is not None)
    observed = float(difference(*columns))
    batched = accepts_batches(difference, columns)
    rng = np.random.default_rng(seed)
    n = len(columns[0])
    draws = np.empty(n_permutations)
    step = max(1, BATCH_ELEMENTS // n)
    with np.errstate(all="ignore"):
        for start in range(0, n_permutations, step):
            stop = min(n_permutations, start + step)
            swap = rng.random((stop - start, n)) < 0.5
            batch = [np.where(swap, columns[1], columns[0]), np.where(swap, columns[0], columns[1])]
            batch += [np.broadcast_to(c, (stop - start, *c.shape)) for c in columns[2:]]
            draws[start:stop] = evaluate(difference, batch, batched)
    finite = draws[~np.isnan(draws)]
    tolerance = 1e-12 * max(1.0, abs(observed))
    extreme = np.count_nonzero(np.abs(finite) >= abs(observed) - tolerance)
    p = min(1.0, (extreme + 1) / (finite.size + 1))
    return PairedTestResult("paired_permutation", observed, p, n, observed)
