"""BLEU, ROUGE-L and CIDEr-D against hand-computed cases and pycocoevalcap's documented quirks."""

from __future__ import annotations

import math
import random

import pytest

from benchlab.scoring.caption import (
    CorpusNgrams,
    bleu_from_stats,
    bleu_stats,
    cider_d_scores,
    lcs_length,
    rouge_l,
    score_captions,
)


def _stats(candidate: str, references: list[str]) -> list[float]:
    return bleu_stats(CorpusNgrams.build([candidate], [references]))[0].tolist()


def _bleu(candidate: str, references: list[str]) -> list[float]:
    return bleu_from_stats(_stats(candidate, references))


def _cider(candidates: list[str], references: list[list[str]]) -> list[float]:
    return cider_d_scores(CorpusNgrams.build(candidates, references)).tolist()


def test_bleu_hand_computed_precisions() -> None:
    # 3/4 unigrams, 2/3 bigrams, 1/2 trigrams, 0/1 4-grams match; equal lengths, no penalty.
    scores = _bleu("a b c d", ["a b c e"])
    assert scores[0] == pytest.approx(0.75, rel=1e-9)
    assert scores[1] == pytest.approx(math.sqrt(0.75 * 2 / 3), rel=1e-9)
    assert scores[2] == pytest.approx((0.75 * 2 / 3 * 1 / 2) ** (1 / 3), rel=1e-9)
    # No matching 4-gram: only bleu_scorer's tiny/small smoothing keeps it above 0.
    assert scores[3] == pytest.approx((0.25 * 1e-15 / (1 + 1e-9)) ** 0.25, rel=1e-6)


def test_bleu_brevity_penalty_uses_the_closest_reference_length() -> None:
    # Lengths 4 and 6: 4 is closest to 2, so the ratio is 1/2 and the penalty e^(1 - 2).
    scores = _bleu("a b", ["a b c d", "a b c d e f"])
    assert scores[0] == pytest.approx(math.exp(-1.0), rel=1e-9)


def test_bleu_closest_length_tie_takes_the_shorter_reference() -> None:
    assert _stats("a b c", ["a b", "a b c d"])[:2] == [3, 2]


def test_bleu_clips_repeated_words_at_the_reference_count() -> None:
    stats = _stats("the the the the", ["the cat the mat", "the dog"])
    assert stats[2 + 4] == 2  # correct unigrams: min(4, highest reference count 2)
    assert stats[2:6] == [4, 3, 2, 1]  # guesses per order


def test_corpus_bleu_sums_counts_rather_than_averaging_images() -> None:
    candidates = {1: "a b c d", 2: "x"}
    references = {1: ["a b c d"], 2: ["y"]}
    corpus = score_captions(candidates, references, tokenized=True, meteor=False).corpus
    # 4 of 5 unigrams match over the corpus; the per-image mean would be (1 + 0) / 2.
    assert corpus["Bleu_1"] == pytest.approx(0.8, rel=1e-9)


def _dynamic_lcs(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, 1):
        for j, y in enumerate(b, 1):
            table[i][j] = (
                table[i - 1][j - 1] + 1 if x == y else max(table[i - 1][j], table[i][j - 1])
            )
    return table[-1][-1]


def test_bit_parallel_lcs_equals_dynamic_programming() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        a = [rng.choice("abcdef") for _ in range(rng.randint(1, 20))]
        b = [rng.choice("abcdef") for _ in range(rng.randint(1, 20))]
        assert lcs_length(a, b) == _dynamic_lcs(a, b)
    assert lcs_length(list("abc" * 40), list("cab" * 40)) == _dynamic_lcs(
        list("abc" * 40), list("cab" * 40)
    )


def test_rouge_l_hand_computed() -> None:
    # LCS(a b c d, a c e d f) = a c d: P = 3/4, R = 3/5, beta = 1.2.
    p, r = 0.75, 0.6
    expected = (1 + 1.44) * p * r / (r + 1.44 * p)
    assert rouge_l("a b c d", ["a c e d f"]) == pytest.approx(expected, rel=1e-12)


def test_rouge_l_takes_best_precision_and_recall_from_different_references() -> None:
    # One reference gives recall 1, another precision 1: pycocoevalcap combines the maxima.
    assert rouge_l("a b c d", ["a b", "a b c d e f g h"]) == pytest.approx(1.0)
    assert rouge_l("a b", ["c d"]) == 0.0


def test_cider_d_hand_computed_two_images() -> None:
    # N = 2 images, every n-gram in one image's references: idf = log 2 for all of them.
    first, second = _cider(["a b", "c"], [["a b"], ["c d"]])
    # Image 1: unigram and bigram cosines are 1, no 3/4-grams: mean (1 + 1 + 0 + 0) / 4 x 10.
    assert first == pytest.approx(5.0, rel=1e-12)
    # Image 2: unigram cosine 1/sqrt(2); bigram counts 0 vs 1 give the penalty e^(-1/72).
    assert second == pytest.approx(10 / 4 / math.sqrt(2) * math.exp(-1 / 72), rel=1e-12)


def test_cider_d_clips_candidate_weights_at_the_reference() -> None:
    # Repeating a matching word cannot raise CIDEr-D above the unrepeated candidate's.
    refs = [["a dog runs"], ["a cat sits"], ["x y"]]
    plain = _cider(["dog", "x", "y"], refs)
    repeated = _cider(["dog dog dog", "x", "y"], refs)
    assert repeated[0] < plain[0]


def test_cider_d_length_is_the_bigram_count() -> None:
    # coco-caption's length counts bigrams: an empty candidate (0 bigrams) and a one-word
    # candidate (0 bigrams) get the same Gaussian penalty against a 3-word reference.
    refs = [["p q r"], ["s t u"]]
    assert _cider(["", "s"], refs)[0] == 0.0
    penalty = math.exp(-(2**2) / (2 * 6.0**2))
    # "p" vs "p q r": unigram cosine 1/sqrt(3), no bigram on the candidate side.
    assert _cider(["p", "s"], refs)[0] == pytest.approx(10 / 4 / math.sqrt(3) * penalty)


def test_cider_d_on_one_image_is_zero() -> None:
    # log(N) - log(df) = log 1 - log 1 = 0 for every reference n-gram: a known CIDEr property.
    assert _cider(["a b c"], [["a b c"]]) == [0.0]


def test_score_captions_names_and_tokenizes() -> None:
    candidates = {1: "A Dog runs.", 2: "A cat, sitting."}
    references = {1: ["a dog runs", "the dog is running"], 2: ["a cat sitting", "one cat sits"]}
    scores = score_captions(candidates, references, meteor=False)
    assert list(scores.corpus) == ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"]
    assert scores.corpus["ROUGE_L"] == pytest.approx(1.0)
    assert scores.n == 2 and scores.bleu_stats.shape == (2, 10)


def test_empty_captions_score_zero_like_pycocoevalcap() -> None:
    # pycocoevalcap gives 0 for every metric (BLEU keeps only its 1e-15 smoothing term).
    corpus = score_captions({1: "", 2: "..."}, {1: ["a dog"], 2: ["a cat"]}, meteor=False).corpus
    assert corpus["ROUGE_L"] == 0.0 and corpus["CIDEr"] == 0.0
    assert corpus["Bleu_1"] < 1e-9
    corpus = score_captions({1: "a dog"}, {1: [""]}, tokenized=True, meteor=False).corpus
    assert corpus["ROUGE_L"] == 0.0 and corpus["CIDEr"] == 0.0
