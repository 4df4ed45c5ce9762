"""BLEU-1..4 as pycocoevalcap computes it: corpus counts, closest reference length per image.

Each image contributes sufficient statistics (candidate length, the closest reference length,
n-gram guesses and clipped matches); the corpus score is a function of their sums, with the
same `tiny` / `small` smoothing constants and brevity penalty as coco-caption's bleu_scorer.
Keeping the per-image statistics lets a bootstrap resample images and re-sum them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from benchlab.scoring.caption.ngrams import ORDER, NgramCounts

__all__ = ["BLEU_NAMES", "bleu_from_stats", "bleu_stats", "bleu_stats_batch"]

BLEU_NAMES = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4")
_ORDER = ORDER
_SMALL = 1e-9
_TINY = 1e-15


def bleu_stats(candidate: NgramCounts, references: Sequence[NgramCounts]) -> list[float]:
    """[testlen, reflen, guess_1..4, correct_1..4] for one image, from n-gram counts."""
    lengths = [ref[0].total() for ref in references]
    testlen = candidate[0].total()
    reflen = min((abs(length - testlen), length) for length in lengths)[1]
    correct = []
    for k in range(_ORDER):
        orders = [ref[k] for ref in references]
        matched = 0
        for gram, count in candidate[k].items():
            best = max([order.get(gram, 0) for order in orders])
            matched += count if count < best else best
        correct.append(matched)
    guess = [max(0, testlen - k + 1) for k in range(1, _ORDER + 1)]
    return [testlen, reflen, *guess, *correct]


def bleu_from_stats(totals: Sequence[float]) -> list[float]:
    """Bleu_1..4 from summed statistics, with bleu_scorer's exact arithmetic."""
    testlen, reflen = totals[0], totals[1]
    guess, correct = totals[2 : 2 + _ORDER], totals[2 + _ORDER :]
    scores = []
    product = 1.0
    for k in range(_ORDER):
        product *= float(correct[k] + _TINY) / (guess[k] + _SMALL)
        scores.append(product ** (1.0 / (k + 1)))
    ratio = (testlen + _TINY) / (reflen + _SMALL)
    if ratio < 1:
        scores = [score * math.exp(1 - 1 / ratio) for score in scores]
    return scores


def bleu_stats_batch(totals: np.ndarray) -> np.ndarray:
    """Bleu_1..4 for many summed statistic rows at once, shape (..., 10) -> (..., 4)."""
    guess, correct = totals[..., 2 : 2 + _ORDER], totals[..., 2 + _ORDER :]
    product = np.cumprod((correct + _TINY) / (guess + _SMALL), axis=-1)
    scores = product ** (1.0 / np.arange(1, _ORDER + 1))
    ratio = (totals[..., 0] + _TINY) / (totals[..., 1] + _SMALL)
    with np.errstate(divide="ignore", over="ignore"):
        penalty = np.where(ratio < 1, np.exp(1 - 1 / ratio), 1.0)
    return scores * penalty[..., None]
