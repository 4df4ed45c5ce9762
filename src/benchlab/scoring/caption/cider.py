"""CIDEr-D as coco-caption computes it (the score it reports under the name CIDEr).

TF-IDF n-gram vectors (n = 1..4) with document frequencies counted over the references of the
evaluated corpus (one document per image), the candidate's weights clipped at the reference's,
a Gaussian length penalty with sigma 6 on the two sentences' bigram counts (coco-caption counts
length that way), averaged over n and references, times 10. The document frequencies are
computed once from the full corpus, so per-image scores can be resampled with them held fixed.
"""

from __future__ import annotations

import numpy as np

from benchlab.scoring.caption.ngrams import ORDER, CorpusNgrams

__all__ = ["SIGMA", "cider_d_scores", "document_frequency"]

SIGMA = 6.0


def document_frequency(ngrams: CorpusNgrams) -> np.ndarray:
    """For each n-gram id, the number of images whose references contain it."""
    split = ngrams.first_reference_entry
    images = ngrams.ref_image[ngrams.sentence[split:] - ngrams.n_images]
    pairs = np.sort(images * ngrams.n_grams + ngrams.gram[split:])
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if pairs.size else pairs
    return np.bincount(pairs % ngrams.n_grams, minlength=ngrams.n_grams)


def _clipped_products(ngrams: CorpusNgrams, weights: np.ndarray) -> np.ndarray:
    """Per reference sentence and order: sum of min(w_candidate, w_ref) * w_ref over n-grams."""
    entry, ref_sentence, ref_entry = ngrams.matches
    theirs = np.where(ref_entry >= 0, weights[ref_entry], 0.0)
    products = np.minimum(weights[entry], theirs) * theirs
    slots = (ref_sentence - ngrams.n_images) * ORDER + ngrams.order[entry]
    n_refs = ngrams.lengths.size - ngrams.n_images
    return np.bincount(slots, products, minlength=n_refs * ORDER).reshape(-1, ORDER)


def cider_d_scores(ngrams: CorpusNgrams, *, sigma: float = SIGMA) -> np.ndarray:
    """Per-image CIDEr-D; the corpus score is their mean."""
    ref_len = np.log(float(ngrams.n_images))
    idf = ref_len - np.log(np.maximum(1.0, document_frequency(ngrams)))
    weights = ngrams.count * idf[ngrams.gram]
    slots = ngrams.sentence * ORDER + ngrams.order
    sentences = ngrams.lengths.size
    norms = np.sqrt(np.bincount(slots, weights**2, minlength=sentences * ORDER))
    norms = norms.reshape(-1, ORDER)
    bigrams = np.maximum(ngrams.lengths - 1, 0)  # coco-caption's "length": the bigram count
    ref_image = ngrams.ref_image
    values = _clipped_products(ngrams, weights)
    denominator = norms[ref_image] * norms[ngrams.n_images :]
    both = (norms[ref_image] != 0) & (norms[ngrams.n_images :] != 0)
    values = np.where(both, values / np.where(both, denominator, 1.0), values)
    delta = (bigrams[ref_image] - bigrams[ngrams.n_images :]).astype(float)
    penalty = np.exp(-(delta**2) / (2 * sigma**2))
    per_reference = (values * penalty[:, None]).sum(axis=1)
    totals = np.bincount(ref_image, per_reference, minlength=ngrams.n_images)
    return totals / ORDER / ngrams.ref_count * 10.0
