"""Bootstrap CIs over images (document frequencies fixed) and paired system comparisons."""

from __future__ import annotations

import random

import numpy as np
import pytest

from benchlab.scoring.caption import compare_caption_systems, metric_intervals, score_captions

WORDS = "a the dog cat man woman red blue sits runs on in park street ball table".split()


def _variant(rng: random.Random, base: list[str]) -> str:
    """The base sentence with two words replaced at random (a paraphrase-like reference)."""
    words = list(base)
    for _ in range(2):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def _corpus(seed: int, images: int = 60) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Random candidates, and references that vary one base sentence per image."""
    rng = random.Random(seed)
    bases = {i: rng.choices(WORDS, k=rng.randint(6, 9)) for i in range(images)}
    references = {i: [_variant(rng, base) for _ in range(5)] for i, base in bases.items()}
    candidates = {i: " ".join(rng.choices(WORDS, k=rng.randint(4, 10))) for i in range(images)}
    return candidates, references


def test_every_interval_contains_its_point_estimate() -> None:
    candidates, references = _corpus(1)
    scores = score_captions(candidates, references, meteor=False)
    values = metric_intervals(scores, n_resamples=400, seed=3)
    assert set(values) == set(scores.corpus)
    for name, value in values.items():
        assert value.n == 60
        assert value.ci_low <= value.value <= value.ci_high, name
        assert value.ci_low < value.ci_high, name


def test_cider_interval_resamples_images_with_corpus_document_frequencies() -> None:
    candidates, references = _corpus(2)
    scores = score_captions(candidates, references, meteor=False)
    cider = scores.per_image["CIDEr"]
    assert scores.corpus["CIDEr"] == pytest.approx(float(np.mean(cider)))
    again = metric_intervals(scores, n_resamples=300, seed=5)["CIDEr"]
    # A percentile interval of resampled means lies within the per-image range.
    assert cider.min() <= again.ci_low <= again.ci_high <= cider.max()
    assert metric_intervals(scores, n_resamples=300, seed=5)["CIDEr"] == again


def test_paired_comparison_detects_a_better_system_and_not_an_identical_one() -> None:
    candidates, references = _corpus(4, images=80)
    better = {i: refs[0] for i, refs in references.items()}
    others = {i: refs[1:] for i, refs in references.items()}
    scores_a = score_captions(candidates, others, meteor=False)
    scores_b = score_captions(better, others, meteor=False)
    for name in ("Bleu_2", "ROUGE_L", "CIDEr"):
        result = compare_caption_systems(scores_a, scores_b, name, n_resamples=300)
        assert result.difference == pytest.approx(scores_b.corpus[name] - scores_a.corpus[name])
        assert result.difference > 0 and result.p_value < 0.05
        assert result.ci is not None and result.ci.low > 0
    same = compare_caption_systems(scores_a, scores_a, "CIDEr", n_resamples=100)
    assert same.difference == 0 and same.p_value == 1.0


def test_paired_comparison_refuses_different_images() -> None:
    candidates, references = _corpus(5)
    scores = score_captions(candidates, references, meteor=False)
    fewer = score_captions(dict(list(candidates.items())[:10]), references, meteor=False)
    with pytest.raises(ValueError, match="same image ids"):
        compare_caption_systems(scores, fewer, "Bleu_1")
