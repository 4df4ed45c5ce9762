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

from benchlab.scoring.caption.ngrams import ORDER, CorpusNgrams

__all__ = ["BLEU_NAMES", "bleu_from_stats", "bleu_stats", "bleu_stats_batch"]

BLEU_NAMES = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4")
_ORDER = ORDER
_SMALL = 1e-9
_TINY = 1e-15


def _closest_reference_length(ngrams: CorpusNgrams, testlen: np.ndarray) -> np.ndarray:
    """Per image, the reference length closest to the candidate's (the shorter one on ties)."""
    ref_lengths = ngrams.lengths[ngrams.n_images :]
    span = int(ref_lengths.max(initial=0)) + 1
    distance = np.abs(ref_lengths - testlen[ngrams.ref_image])
    closest = np.minimum.reduceat(distance * span + ref_lengths, ngrams.ref_start - ngrams.n_images)
    return closest % span


def _clipped_matches(ngrams: CorpusNgrams) -> np.ndarray:
    """Per image and order, candidate n-gram counts clipped at their highest reference count."""
    entry, _, ref_entry = ngrams.matches
    if entry.size == 0:  # no candidate has a word
        return np.zeros((ngrams.n_images, _ORDER))
    in_reference = np.where(ref_entry >= 0, ngrams.count[ref_entry], 0)
    split = ngrams.first_reference_entry
    group_starts = np.flatnonzero(np.r_[True, entry[1:] != entry[:-1]])
    highest = np.maximum.reduceat(in_reference, group_starts)
    clipped = np.minimum(ngrams.count[:split], highest)
    slots = ngrams.sentence[:split] * _ORDER + ngrams.order[:split]
    return np.bincount(slots, clipped, minlength=ngrams.n_images * _ORDER).reshape(-1, _ORDER)


def bleu_stats(ngrams: CorpusNgrams) -> np.ndarray:
    """Per image [testlen, reflen, guess_1..4, correct_1..4], as bleu_scorer's cook_test."""
    testlen = ngrams.lengths[: ngrams.n_images]
    reflen = _closest_reference_length(ngrams, testlen)
    guess = np.maximum(0, testlen[:, None] - np.arange(_ORDER)[None, :])
    correct = _clipped_matches(ngrams)
    return np.column_stack([testlen, reflen, guess, correct]).astype(float)


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
