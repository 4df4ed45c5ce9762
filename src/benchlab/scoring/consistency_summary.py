"""Consistency of a whole item set: agreement, maj@k, pass@k, and whether agreement predicts
correctness, each with a 95% CI.

Proportions over items (fully consistent, greedy accuracy, maj@k) get Wilson intervals; means
of per-item values (agreement, sample accuracy, pass@k) get a seeded percentile bootstrap over
items. `judge_ties_by_agreement` turns "judge ties mean the model is inconsistent" into a
measured comparison of tie shares between low- and high-agreement items.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from benchlab.errors import DataError
from benchlab.scoring.consistency import ItemConsistency
from benchlab.scoring.pass_at_k import pass_at_k
from benchlab.stats.bootstrap import bootstrap_ci
from benchlab.stats.intervals import Interval, wilson_interval

__all__ = [
    "ConsistencySummary",
    "Correlation",
    "Estimate",
    "JudgeTies",
    "agreement_correlation",
    "judge_ties_by_agreement",
    "summarize_consistency",
]


@dataclass(frozen=True)
class Estimate:
    """A value over n items with its 95% CI."""

    value: float
    interval: Interval
    n: int


@dataclass(frozen=True)
class Correlation:
    """Point-biserial (Pearson) and Spearman correlation of agreement with correctness."""

    point_biserial: float
    point_biserial_p: float
    spearman: float
    spearman_p: float
    n: int


@dataclass(frozen=True)
class ConsistencySummary:
    """Aggregates of per-item consistency (greedy accuracy only when every item has one)."""

    n_items: int
    n_samples: int
    mean_agreement: Estimate
    fully_consistent: Estimate
    mean_entropy: float
    mean_unique_answers: float
    greedy_accuracy: Estimate | None
    mean_sample_accuracy: Estimate
    maj_at_k: tuple[Estimate, ...]
    pass_at_k: Mapping[int, Estimate]
    correlation_majority: Correlation
    correlation_greedy: Correlation | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (undefined values as null, pass@k keyed by k as a string)."""
        return _finite(asdict(self))


def _finite(value: Any) -> Any:
    """The structure with NaN floats as None and dict keys as strings, for strict JSON."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _mean(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis, so bootstrap resamples are evaluated in batches."""
    return values.mean(axis=-1)


def _mean_estimate(values: Sequence[float], seed: int, n_resamples: int) -> Estimate:
    array = np.asarray(values, dtype=float)
    interval = bootstrap_ci(_mean, array, n_resamples=n_resamples, seed=seed)
    return Estimate(float(array.mean()), interval, int(array.size))


def _share(flags: Sequence[bool]) -> Estimate:
    n, hits = len(flags), int(sum(bool(f) for f in flags))
    return Estimate(hits / n, wilson_interval(hits, n), n)


def agreement_correlation(agreement: Sequence[float], correct: Sequence[bool]) -> Correlation:
    """How strongly agreement tracks correctness; NaN when either side is constant."""
    x = np.asarray(agreement, dtype=float)
    y = np.asarray(correct, dtype=float)
    if x.size != y.size:
        raise DataError(f"{x.size} agreement values but {y.size} correctness values")
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(math.nan, math.nan, math.nan, math.nan, int(x.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pearson = sps.pearsonr(x, y)
        spearman = sps.spearmanr(x, y)
    return Correlation(
        float(pearson.statistic),
        float(pearson.pvalue),
        float(spearman.statistic),
        float(spearman.pvalue),
        int(x.size),
    )


def summarize_consistency(
    items: Sequence[ItemConsistency], *, seed: int = 0, n_resamples: int = 1000
) -> ConsistencySummary:
    """Aggregate per-item consistency; every item must have the same number of samples M.

    maj@k is the share of items whose majority over the first k samples is right (k = 1..M).
    pass@k (Chen et al. 2021, unbiased) is averaged over items for k = 1..M: the figure to read
    for code, and for math the ceiling majority voting could reach. Greedy accuracy needs a
    greedy verdict for every item.
    """
    if not items:
        raise DataError("consistency summary: no items")
    m = len(items[0].answers)
    uneven = [i.item_id for i in items if len(i.answers) != m]
    if uneven:
        raise DataError(
            f"consistency summary: item {uneven[0]} has a different number of samples than "
            f"{items[0].item_id} ({m}); sample every item the same number of times"
        )
    agreement = [i.agreement for i in items]
    majority_correct = [i.majority_correct for i in items]
    greedy = [i.greedy_correct for i in items]
    has_greedy = all(g is not None for g in greedy)
    pass_k = {
        k: _mean_estimate([pass_at_k(m, i.n_correct, k) for i in items], seed, n_resamples)
        for k in range(1, m + 1)
    }
    return ConsistencySummary(
        n_items=len(items),
        n_samples=m,
        mean_agreement=_mean_estimate(agreement, seed, n_resamples),
        fully_consistent=_share([i.fully_consistent for i in items]),
        mean_entropy=float(np.mean([i.entropy for i in items])),
        mean_unique_answers=float(np.mean([i.n_unique for i in items])),
        greedy_accuracy=_share([bool(g) for g in greedy]) if has_greedy else None,
        mean_sample_accuracy=_mean_estimate([i.n_correct / m for i in items], seed, n_resamples),
        maj_at_k=tuple(_share([i.maj_at_k_correct[k] for i in items]) for k in range(m)),
        pass_at_k=pass_k,
        correlation_majority=agreement_correlation(agreement, majority_correct),
        correlation_greedy=(
            agreement_correlation(agreement, [bool(g) for g in greedy]) if has_greedy else None
        ),
    )


@dataclass(frozen=True)
class JudgeTies:
    """Share of judge ties among low- and high-agreement items, and Fisher's exact test."""

    threshold: float
    low_n: int
    low_ties: int
    high_n: int
    high_ties: int
    low_share: Estimate | None
    high_share: Estimate | None
    odds_ratio: float
    p_value: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (undefined values as null)."""
        return _finite(asdict(self))


def judge_ties_by_agreement(
    items: Sequence[ItemConsistency],
    outcomes: Mapping[str, str],
    *,
    threshold: float | None = None,
    tie: str = "tie",
) -> JudgeTies:
    """Compare the judge's tie rate on items the model answers inconsistently vs consistently.

    Only items with a judge outcome count. Low agreement means agreement < threshold, high
    means >= threshold; the default threshold is the median agreement of the judged items.
    An outcome equal to `tie` is a tie; any other outcome (win, loss, unparseable) is not.
    The p-value is Fisher's exact test (two-sided) on the 2x2 table group x tie.
    """
    judged = [(i.agreement, outcomes[i.item_id] == tie) for i in items if i.item_id in outcomes]
    if not judged:
        raise DataError("no item with consistency samples has a judge outcome; check the ids")
    cut = float(np.median([a for a, _ in judged])) if threshold is None else float(threshold)
    low = [t for a, t in judged if a < cut]
    high = [t for a, t in judged if a >= cut]
    low_ties, high_ties = sum(low), sum(high)
    table = [[low_ties, len(low) - low_ties], [high_ties, len(high) - high_ties]]
    if low and high:
        fisher = sps.fisher_exact(table)
        odds, p = float(fisher.statistic), float(fisher.pvalue)
    else:
        odds, p = math.nan, math.nan
    return JudgeTies(
        cut,
        len(low),
        low_ties,
        len(high),
        high_ties,
        _share(low) if low else None,
        _share(high) if high else None,
        odds,
        p,
    )
