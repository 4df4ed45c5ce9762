"""CIDEr-D as coco-caption computes it (the score it reports under the name CIDEr).

TF-IDF n-gram vectors (n = 1..4) with document frequencies counted over the references of the
evaluated corpus (one document per image), the candidate's weights clipped at the reference's,
a Gaussian length penalty with sigma 6 on the two sentences' bigram counts (coco-caption counts
length that way), averaged over n and references, times 10. The document frequencies are
computed once from the full corpus, so per-image scores can be resampled with them held fixed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from benchlab.scoring.caption.ngrams import ORDER, NgramCounts

__all__ = ["SIGMA", "cider_d_scores", "document_frequency"]

SIGMA = 6.0
# A sentence's TF-IDF vector: weights and norm per n-gram order, and its bigram count.
Vector = tuple[list[dict[Any, float]], list[float], int]


def document_frequency(references: Sequence[Sequence[NgramCounts]]) -> list[Counter[Any]]:
    """Per order, the number of images whose references contain each n-gram."""
    frequency: list[Counter[Any]] = [Counter() for _ in range(ORDER)]
    for refs in references:
        for k in range(ORDER):
            if len(refs) == 1:
                frequency[k].update(refs[0][k].keys())
            else:
                frequency[k].update(set().union(*(ref[k].keys() for ref in refs)))
    return frequency


def _vector(counts: NgramCounts, idf: list[dict[Any, float]], unseen: float) -> Vector:
    """TF-IDF weights and norm per order, and the bigram count (coco-caption's length)."""
    weights = []
    for k in range(ORDER):
        table = idf[k]
        weights.append({gram: tf * table.get(gram, unseen) for gram, tf in counts[k].items()})
    norms = [math.hypot(*order.values()) for order in weights]
    return weights, norms, counts[1].total()


def _similarity(hyp: Vector, ref: Vector, sigma: float) -> float:
    """Sum over n of the clipped cosine between candidate and one reference, length-penalised."""
    hyp_weights, hyp_norms, hyp_length = hyp
    ref_weights, ref_norms, ref_length = ref
    delta = float(hyp_length - ref_length)
    penalty = math.exp(-(delta**2) / (2 * sigma**2))
    total = 0.0
    for k in range(ORDER):
        other = ref_weights[k]
        value = 0.0
        for gram, weight in hyp_weights[k].items():
            if gram in other:
                theirs = other[gram]
                value += (weight if weight < theirs else theirs) * theirs
        if hyp_norms[k] != 0 and ref_norms[k] != 0:
            value /= hyp_norms[k] * ref_norms[k]
        total += value * penalty
    return total


def cider_d_scores(
    candidates: Sequence[NgramCounts],
    references: Sequence[Sequence[NgramCounts]],
    *,
    sigma: float = SIGMA,
) -> list[float]:
    """Per-image CIDEr-D from n-gram counts; the corpus score is their mean."""
    frequency = document_frequency(references)
    ref_len = math.log(float(len(references)))
    idf = [{gram: ref_len - math.log(max(1.0, df)) for gram, df in f.items()} for f in frequency]
    scores = []
    for candidate, refs in zip(candidates, references, strict=True):
        hyp = _vector(candidate, idf, ref_len)
        total = sum(_similarity(hyp, _vector(ref, idf, ref_len), sigma) for ref in refs)
        scores.append(total / ORDER / len(refs) * 10.0)
    return scores
