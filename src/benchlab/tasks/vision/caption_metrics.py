"""A caption task's metrics: pycocoevalcap's corpus metrics with image-resampled CIs, semantic
similarity and the caption/reference length ratio, all from predictions.

Corpus metrics come from `benchlab.scoring.caption` (the code `benchlab caption-eval` runs): CIs
resample images with CIDEr's document frequencies fixed to the full corpus. Each image's CIDEr
and ROUGE_L are also stored in its prediction, so two systems can be compared item by item.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from benchlab.scoring.caption import metric_intervals, ptb_tokenize, score_captions
from benchlab.scoring.metric import MetricResult, metric_with_ci
from benchlab.tasks.base import Prediction

__all__ = ["LENGTH_RATIO", "SEMANTIC_FIELDS", "caption_metrics", "length_ratios"]

SEMANTIC_FIELDS = ("semantic_max", "semantic_mean")
LENGTH_RATIO = "length_ratio"
_PER_IMAGE = ("CIDEr", "ROUGE_L")


def length_ratios(predictions: Sequence[Prediction]) -> tuple[np.ndarray, np.ndarray]:
    """PTB-token lengths of each caption and of the mean reference of its image."""
    captions = [len(t.split()) for t in ptb_tokenize([str(p.prediction) for p in predictions])]
    references = [
        float(np.mean([len(t.split()) for t in ptb_tokenize(list(p.gold))])) for p in predictions
    ]
    return np.array(captions, dtype=float), np.array(references, dtype=float)


def caption_metrics(
    predictions: Sequence[Prediction],
    *,
    meteor: bool = True,
    seed: int = 0,
    n_resamples: int = 1000,
) -> dict[str, MetricResult]:
    """CIDEr, Bleu_1..4, METEOR (jar present), ROUGE_L, semantic similarity, length ratio."""
    if not predictions:
        return {}
    candidates = {p.example_id: str(p.prediction) for p in predictions}
    references = {p.example_id: list(p.gold) for p in predictions}
    scores = score_captions(candidates, references, meteor=meteor)
    values = metric_intervals(scores, n_resamples=n_resamples, seed=seed)
    for name in _PER_IMAGE:
        for prediction, score in zip(predictions, scores.per_image[name].tolist(), strict=True):
            prediction.details[name] = score
    order = ["CIDEr", *(n for n in values if n != "CIDEr")]
    metrics: dict[str, MetricResult] = {}
    for name in order:
        value = values[name]
        if value.ci_low is None or value.ci_high is None:
            metrics[name] = MetricResult(value.value, float("nan"), float("nan"), value.n, "none")
        else:
            metrics[name] = MetricResult(value.value, value.ci_low, value.ci_high, value.n)
    for field in SEMANTIC_FIELDS:
        column = [p.details[field] for p in predictions if field in p.details]
        if column:
            metrics[field] = metric_with_ci(np.mean, column, seed=seed, n_resamples=n_resamples)
    captions, refs = length_ratios(predictions)
    metrics[LENGTH_RATIO] = metric_with_ci(
        _ratio, captions, refs, seed=seed, n_resamples=n_resamples
    )
    return metrics


def _ratio(captions: np.ndarray, refs: np.ndarray) -> np.ndarray:
    """Caption tokens over mean-reference tokens, summed over images (batched over resamples)."""
    return captions.sum(axis=-1) / np.maximum(refs.sum(axis=-1), 1e-9)
