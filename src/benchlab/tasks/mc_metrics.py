"""Multiple-choice metrics: acc and acc_norm with CIs, per-subject scores, position bias.

Items of one subject are correlated (shared topic, often shared author), so when a task has
subjects the aggregate also gets a cluster-robust interval (`acc_clustered`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from benchlab.scoring.metric import MetricResult, metric_with_ci
from benchlab.tasks.base import Prediction

__all__ = ["choice_metrics"]


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values))


def _clustered(values: np.ndarray, groups: Sequence[str]) -> MetricResult:
    from benchlab.stats import clustered_mean_interval

    result = clustered_mean_interval(values, list(groups))
    interval = result.interval
    return MetricResult(result.mean, interval.low, interval.high, result.n, interval.method)


def _share(letters: Sequence[str | None], letter: str, seed: int, n_resamples: int) -> MetricResult:
    hits = np.array([value == letter for value in letters], dtype=float)
    return metric_with_ci(_mean, hits, seed=seed, n_resamples=n_resamples)


def _count(count: int, n: int) -> MetricResult:
    """An exact tally of n items (no interval: nothing is estimated)."""
    return MetricResult(float(count), float(count), float(count), n, "count")


def choice_metrics(
    predictions: Sequence[Prediction],
    *,
    seed: int = 0,
    n_resamples: int = 1000,
    categories: Mapping[str, str] | None = None,
) -> dict[str, MetricResult]:
    """acc (+ acc_norm when scored by log-likelihood), subject breakdowns and letter shares.

    Generation scoring adds the no-answer rate and count and, per extraction rule that fired,
    `extraction_rule/<rule>`: how many items it read, so a score that rests on loose rules
    (a lone letter) rather than an explicit "Answer: X" shows in results.json.
    """
    if not predictions:
        return {}
    scoring = predictions[0].details.get("scoring", "loglikelihood")
    columns = {"acc": np.array([bool(p.correct) for p in predictions], dtype=float)}
    if scoring == "loglikelihood":
        columns["acc_norm"] = np.array(
            [bool(p.details["correct_norm"]) for p in predictions], dtype=float
        )
    metrics = {
        name: metric_with_ci(_mean, values, seed=seed, n_resamples=n_resamples)
        for name, values in columns.items()
    }
    groups = [p.group for p in predictions]
    if all(g is not None for g in groups) and len(set(groups)) > 1:
        labels = [str(g) for g in groups]
        metrics["acc_clustered"] = _clustered(columns["acc"], labels)
        for group in sorted(set(labels)):
            mask = np.array([label == group for label in labels])
            for name, values in columns.items():
                metrics[f"{name}/{group}"] = metric_with_ci(
                    _mean, values[mask], seed=seed, n_resamples=n_resamples
                )
        if categories:
            for category in sorted({categories.get(label, "other") for label in labels}):
                mask = np.array([categories.get(label, "other") == category for label in labels])
                metrics[f"acc/category:{category}"] = metric_with_ci(
                    _mean, columns["acc"][mask], seed=seed, n_resamples=n_resamples
                )
    if scoring == "generate":
        missing = np.array([p.prediction is None for p in predictions], dtype=float)
        metrics["no_answer_rate"] = metric_with_ci(
            _mean, missing, seed=seed, n_resamples=n_resamples
        )
        metrics["no_answer_count"] = _count(int(missing.sum()), len(predictions))
        rules = Counter(p.details.get("extraction_rule") for p in predictions)
        for rule in sorted(name for name in rules if name):
            metrics[f"extraction_rule/{rule}"] = _count(rules[rule], len(predictions))
    predicted = [p.details.get("predicted_letter") for p in predictions]
    gold = [p.details.get("gold_letter") for p in predictions]
    for letter in sorted({g for g in gold if g} | {x for x in predicted if x}):
        metrics[f"pred_share/{letter}"] = _share(predicted, letter, seed, n_resamples)
        metrics[f"gold_share/{letter}"] = _share(gold, letter, seed, n_resamples)
    return metrics
