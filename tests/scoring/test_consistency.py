"""Consistency statistics on a stub set whose answers are known, against hand computations."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from benchlab.errors import DataError
from benchlab.scoring.consistency import (
    INVALID,
    ItemSamples,
    answer_entropy,
    item_consistency,
    majority_vote,
)
from benchlab.scoring.consistency_summary import (
    judge_ties_by_agreement,
    summarize_consistency,
)
from benchlab.stats.intervals import wilson_interval

# Stub sampler output: 4 samples per item, answers chosen so every figure is easy by hand.
STUB = [
    ItemSamples("a", ["5", "5", "3", None], greedy="5", gold="5"),
    ItemSamples("b", ["7", "7", "7", "7"], greedy="8", gold="7"),
    ItemSamples("c", [None, INVALID, "4", "4"], greedy=INVALID, gold="2"),
]


def documented_tie_choice(seed: int, item_id: str, tied: list[str]) -> str:
    """The rule as the docstring states it, written out independently."""
    ordered = sorted(tied)
    key = "\x1f".join([str(seed), item_id, *ordered]).encode("utf-8")
    return ordered[int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % len(ordered)]


@pytest.fixture(scope="module")
def stub_items():
    return [item_consistency(item) for item in STUB]


def test_per_item_statistics_equal_hand_computation(stub_items):
    a, b, c = stub_items
    assert (a.n_unique, a.majority, a.agreement) == (3, "5", 0.5)
    assert a.entropy == pytest.approx(1.5)  # p = 1/2, 1/4, 1/4
    assert a.sample_correct == (True, True, False, False)
    assert a.greedy_correct is True and a.majority_correct is True
    assert a.maj_at_k_correct == (True, True, True, True)
    assert (b.n_unique, b.majority, b.agreement, b.entropy) == (1, "7", 1.0, 0.0)
    assert b.fully_consistent and not a.fully_consistent
    assert b.greedy_correct is False and b.n_correct == 4
    assert (c.n_unique, c.majority, c.agreement) == (2, "4", 0.5)
    assert c.entropy == pytest.approx(1.0)
    assert c.answers == (INVALID, INVALID, "4", "4")
    # maj@1 and maj@2 see only invalid samples: no majority, so wrong.
    assert c.maj_at_k_correct == (False, False, False, False)
    assert c.greedy == INVALID and c.greedy_correct is False


def test_aggregates_equal_hand_computation(stub_items):
    summary = summarize_consistency(stub_items, n_resamples=200)
    assert (summary.n_items, summary.n_samples) == (3, 4)
    assert summary.mean_agreement.value == pytest.approx(2 / 3)
    assert summary.mean_agreement.interval.contains(2 / 3)
    assert summary.fully_consistent.value == pytest.approx(1 / 3)
    assert summary.fully_consistent.interval == wilson_interval(1, 3)
    assert summary.greedy_accuracy is not None
    assert summary.greedy_accuracy.value == pytest.approx(1 / 3)
    assert summary.mean_sample_accuracy.value == pytest.approx(0.5)
    assert [e.value for e in summary.maj_at_k] == pytest.approx([2 / 3] * 4)
    assert summary.mean_entropy == pytest.approx((1.5 + 0 + 1) / 3)
    assert summary.mean_unique_answers == pytest.approx(2)
    # pass@k of a: n=4, c=2 -> 1/2, 1 - C(2,2)/C(4,2) = 5/6, 1, 1; b: 1; c: 0.
    expected = [(0.5 + 1) / 3, (5 / 6 + 1) / 3, 2 / 3, 2 / 3]
    assert [summary.pass_at_k[k].value for k in (1, 2, 3, 4)] == pytest.approx(expected)
    # agreement (.5, 1, .5) vs majority correct (1, 1, 0): r = (1/6) / sqrt(1/6 * 2/3) = 0.5;
    # ranks (1.5, 3, 1.5) vs (2.5, 2.5, 1) give Spearman 0.75 / 1.5 = 0.5.
    assert summary.correlation_majority.point_biserial == pytest.approx(0.5)
    assert summary.correlation_majority.spearman == pytest.approx(0.5)
    # greedy correct (1, 0, 0): r = (-1/9 - 1/9 + 1/18) / sqrt(1/6 * 2/3) = -0.5.
    assert summary.correlation_greedy is not None
    assert summary.correlation_greedy.point_biserial == pytest.approx(-0.5)


def test_maj_at_k_with_ties_follows_the_documented_rule():
    item = item_consistency(ItemSamples("d", ["2", "1", "1", "2"], gold="1"), seed=3)
    tie = documented_tie_choice(3, "d", ["1", "2"])
    assert item.maj_at_k_correct == (False, tie == "1", True, tie == "1")
    assert item.majority == tie and item.agreement == 0.5


def test_tie_rule_ignores_sample_order_and_is_seeded():
    for item_id in ("x", "y", "z"):
        forward = majority_vote(["a", "b", "c", "c", "b", "a"], item_id=item_id, seed=7)
        backward = majority_vote(["c", "b", "a", "a", "b", "c"], item_id=item_id, seed=7)
        assert forward == backward == documented_tie_choice(7, item_id, ["a", "b", "c"])
    winners = {majority_vote(["b", "a"], item_id=f"item{i}", seed=0) for i in range(40)}
    assert winners == {"a", "b"}  # not "first sample wins", not "smallest wins"
    firsts = {majority_vote(["a", "b"], item_id="q", seed=s) for s in range(40)}
    assert firsts == {"a", "b"}


def test_invalid_never_wins():
    assert majority_vote([INVALID, None, INVALID, "3"], item_id="i") == "3"
    assert majority_vote([None, None], item_id="i") is None
    assert majority_vote([], item_id="i") is None
    everything_invalid = item_consistency(ItemSamples("i", [None, INVALID], gold=INVALID))
    assert everything_invalid.majority is None and everything_invalid.agreement == 0.0
    assert not everything_invalid.majority_correct
    assert everything_invalid.sample_correct == (False, False)
    assert everything_invalid.maj_at_k_correct == (False, False)


def test_code_verdicts_drive_correctness_and_pass_at_k():
    item = item_consistency(
        ItemSamples("h", ["f1", "f2", "f1", None], sample_correct=[True, False, True, True])
    )
    assert item.sample_correct == (True, False, True, False)  # invalid is never right
    assert item.majority == "f1" and item.majority_correct
    summary = summarize_consistency([item], n_resamples=50)
    assert summary.pass_at_k[1].value == pytest.approx(0.5)
    assert summary.greedy_accuracy is None
    with pytest.raises(DataError, match="both right and wrong"):
        item_consistency(ItemSamples("h", ["f1", "f1"], sample_correct=[True, False]))


def test_entropy_matches_scipy():
    from scipy.stats import entropy

    answers = ["1", "1", "2", None, "3", "3", "3"]
    assert answer_entropy(answers) == pytest.approx(entropy([2, 1, 1, 3], base=2))


def test_judge_ties_split_by_agreement(stub_items):
    outcomes = {"a": "tie", "b": "win", "c": "tie", "unknown": "tie"}
    result = judge_ties_by_agreement(stub_items, outcomes, threshold=1.0)
    assert (result.low_n, result.low_ties, result.high_n, result.high_ties) == (2, 2, 1, 0)
    assert result.low_share is not None and result.low_share.value == 1.0
    # Fisher on [[2, 0], [0, 1]]: the observed table has probability C(2,2)C(1,0)/C(3,2) = 1/3,
    # the only other table 2/3, so the two-sided p is 1/3.
    assert result.p_value == pytest.approx(1 / 3)
    median_split = judge_ties_by_agreement(stub_items, outcomes)
    assert median_split.threshold == 0.5 and median_split.low_n == 0
    assert math.isnan(median_split.p_value)
    with pytest.raises(DataError, match="judge outcome"):
        judge_ties_by_agreement(stub_items, {"zzz": "tie"})


def test_uneven_sample_counts_are_refused():
    items = [
        item_consistency(ItemSamples("a", ["1"], gold="1")),
        item_consistency(ItemSamples("b", ["1", "2"], gold="1")),
    ]
    with pytest.raises(DataError, match="item b"):
        summarize_consistency(items)


def test_bootstrap_intervals_contain_their_points():
    rng = np.random.default_rng(0)
    items = [
        item_consistency(
            ItemSamples(str(i), [str(x) for x in rng.integers(0, 3, size=5)], gold="0")
        )
        for i in range(30)
    ]
    summary = summarize_consistency(items, n_resamples=300)
    for estimate in (summary.mean_agreement, summary.mean_sample_accuracy, *summary.maj_at_k):
        assert estimate.interval.contains(estimate.value)
    values = [summary.pass_at_k[k].value for k in range(1, 6)]
    assert values == sorted(values)  # pass@k is monotone in k
    assert values[0] == pytest.approx(summary.mean_sample_accuracy.value)


def test_json_forms_are_strict_json(stub_items):
    import json

    summary = summarize_consistency(stub_items[:1], n_resamples=20)  # one item: NaN correlations
    data = json.loads(json.dumps(summary.to_json(), allow_nan=False))
    assert data["correlation_majority"]["spearman"] is None
    assert data["pass_at_k"]["2"]["value"] == pytest.approx(5 / 6)
    assert data["maj_at_k"][0]["interval"]["method"] == "wilson"
    row = json.loads(json.dumps(stub_items[1].to_json(), allow_nan=False))
    assert row["fully_consistent"] is True and row["answers"] == ["7"] * 4
