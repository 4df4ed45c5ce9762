"""Confidence intervals for corpus caption metrics, and paired comparisons of two systems.

Images are resampled with replacement while CIDEr's document frequencies stay those of the
full corpus (per-image scores are computed once, so a resample only re-averages them); BLEU
re-sums the resampled images' n-gram statistics, so its brevity penalty and precisions are
recomputed at the corpus level on every resample, as the metric is defined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchlab.scoring.caption.bleu import BLEU_NAMES, bleu_stats_batch
from benchlab.scoring.caption.corpus import CaptionScores
from benchlab.stats import PairedTestResult, bootstrap, paired_bootstrap_difference

__all__ = ["MetricValue", "compare_caption_systems", "metric_intervals"]


@dataclass(frozen=True)
class MetricValue:
    """One corpus metric: its value, 95% CI bounds (None when not computed) and n images."""

    value: float
    ci_low: float | None
    ci_high: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        """The `{"value", "ci_low", "ci_high", "n"}` object caption-eval writes."""
        return {"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n}


def _bleu_statistic(order: int) -> Callable[[np.ndarray], Any]:
    """Bleu_{order} of the summed per-image statistics (rows x 10, or resamples x rows x 10)."""
    return lambda stats: bleu_stats_batch(stats.sum(axis=-2))[..., order - 1]


def _mean(values: np.ndarray) -> Any:
    """Mean over images (the last axis), batched over resamples."""
    return values.mean(axis=-1)


def _statistic_and_column(scores: CaptionScores, name: str) -> tuple[Callable[..., Any], Any]:
    """How to compute metric `name` from its per-image column, and that column."""
    if name in BLEU_NAMES:
        return _bleu_statistic(BLEU_NAMES.index(name) + 1), scores.bleu_stats
    return _mean, scores.per_image[name]


def metric_intervals(
    scores: CaptionScores,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, MetricValue]:
    """Every corpus metric with a percentile bootstrap CI over images (METEOR: no CI).

    METEOR's corpus score comes from the jar's aggregate statistics, not from a mean of
    per-image scores, so it is reported without an interval rather than with a wrong one.
    """
    results: dict[str, MetricValue] = {}
    for name, value in scores.corpus.items():
        if name == "METEOR":
            results[name] = MetricValue(value, None, None, scores.n)
            continue
        statistic, column = _statistic_and_column(scores, name)
        result = bootstrap(
            statistic,
            column,
            n_resamples=n_resamples,
            confidence=confidence,
            seed=seed,
            vectorized=True,
        )
        results[name] = MetricValue(value, result.interval.low, result.interval.high, scores.n)
    return results


def compare_caption_systems(
    scores_a: CaptionScores,
    scores_b: CaptionScores,
    name: str,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedTestResult:
    """Paired bootstrap of metric(B) - metric(A) over the same images, resampled together.

    Both systems must be scored on the same image ids in the same order with the same
    references (so CIDEr's document frequencies are shared).
    """
    if scores_a.image_ids != scores_b.image_ids:
        raise ValueError("paired comparison needs both systems scored on the same image ids")
    statistic, column_a = _statistic_and_column(scores_a, name)
    _, column_b = _statistic_and_column(scores_b, name)
    return paired_bootstrap_difference(
        statistic,
        column_a,
        column_b,
        n_resamples=n_resamples,
        confidence=confidence,
        seed=seed,
    )
