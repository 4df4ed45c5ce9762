"""Pairwise formulas against hand-computed cases, and CI coverage by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchlab.judge.pairwise import combine_orders, pairwise_metrics, weighted_overall_score


@pytest.mark.parametrize(
    ("first", "second", "outcome", "flipped"),
    [
        ("A", "B", "win", False),  # candidate preferred as A and as B
        ("B", "A", "loss", False),
        ("tie", "tie", "tie", False),
        ("A", "A", "tie", True),  # judge always picks position A: disagreement -> tie
        ("B", "B", "tie", True),
        ("A", "tie", "tie", True),
        ("tie", "A", "tie", True),
        (None, "B", None, None),  # unparseable in one order: not scored
        ("A", None, None, None),
    ],
)
def test_combine_orders(first, second, outcome, flipped) -> None:
    assert combine_orders(first, second) == (outcome, flipped)


def test_hand_computed_rates() -> None:
    outcomes = ["win"] * 6 + ["loss"] * 2 + ["tie"] * 2
    m = pairwise_metrics(outcomes, unparseable=1, n_resamples=500, seed=1)
    assert (m.wins, m.losses, m.ties, m.unparseable, m.n) == (6, 2, 2, 1, 10)
    assert m.score.value == pytest.approx((6 + 0.5 * 2) / 10)
    assert m.win_rate.value == pytest.approx(6 / 8)
    assert m.win_rate.n == 8
    assert m.win_ratio.value == pytest.approx(3.0)
    for metric in (m.score, m.win_rate):
        assert metric.ci_low <= metric.value <= metric.ci_high
    # the win-ratio CI is the win-rate CI mapped through p / (1 - p)
    low, high = m.win_rate.ci_low, m.win_rate.ci_high
    assert m.win_ratio.ci_low == pytest.approx(low / (1 - low))
    assert m.win_ratio.ci_high == (math.inf if high == 1 else pytest.approx(high / (1 - high)))


def test_enough_decisive_pairs_get_a_bootstrap_ci_for_the_win_rate() -> None:
    outcomes = ["win"] * 24 + ["loss"] * 16 + ["tie"] * 10
    m = pairwise_metrics(outcomes, n_resamples=2000, seed=3)
    assert m.win_rate.ci_method == m.score.ci_method == "bootstrap_percentile"
    assert m.win_rate.value == pytest.approx(24 / 40) and m.win_rate.n == 40
    # the bootstrap CI of a proportion is close to the normal approximation p +- 1.96 se
    half = 1.96 * math.sqrt(0.6 * 0.4 / 40)
    assert m.win_rate.ci_low == pytest.approx(0.6 - half, abs=0.03)
    assert m.win_rate.ci_high == pytest.approx(0.6 + half, abs=0.03)


def test_no_losses_and_no_pairs() -> None:
    m = pairwise_metrics(["win", "win", "tie"], n_resamples=200)
    assert m.win_ratio.value == math.inf
    assert m.win_rate.value == 1.0
    assert m.to_json()["win_ratio"]["value"] is None  # JSON has no infinity
    empty = pairwise_metrics([], unparseable=3)
    assert empty.n == 0 and math.isnan(empty.score.value)
    assert empty.warning is not None


def test_five_prompts_carry_a_small_sample_warning() -> None:
    m = pairwise_metrics(["win", "win", "win", "loss", "tie"], n_resamples=200)
    assert m.warning


def test_weighted_overall_by_hand() -> None:
    categories = {
        "math": ["win", "win", "loss", "tie"],  # score 2.5 / 4 = 0.625
        "code": ["loss", "loss"],  # score 0
        "empty": [],  # drops out
        "ignored": ["win"],  # weight 0
    }
    result, used = weighted_overall_score(
        categories, {"math": 3.0, "code": 1.0, "ignored": 0.0}, n_resamples=400
    )
    assert used == {"math": 0.75, "code": 0.25}
    assert result.value == pytest.approx(0.75 * 0.625)
    assert result.n == 6
    assert result.ci_low <= result.value <= result.ci_high


def _draw(rng: np.random.Generator, n: int, probs: tuple[float, float, float]) -> list[str]:
    return list(rng.choice(["win", "tie", "loss"], size=n, p=probs))


def test_score_ci_coverage() -> None:
    rng = np.random.default_rng(123)
    probs = (0.5, 0.2, 0.3)  # true score 0.5 + 0.1 = 0.6
    covered = 0
    reps = 200
    for rep in range(reps):
        m = pairwise_metrics(_draw(rng, 80, probs), n_resamples=300, seed=rep)
        covered += m.score.ci_low <= 0.6 <= m.score.ci_high
    assert 0.88 <= covered / reps <= 0.99


def test_weighted_score_ci_coverage() -> None:
    rng = np.random.default_rng(7)
    truth = 0.5 * 0.6 + 0.5 * 0.35  # category a: 0.5+0.1; b: 0.2+0.15
    covered = 0
    reps = 200
    for rep in range(reps):
        cats = {"a": _draw(rng, 40, (0.5, 0.2, 0.3)), "b": _draw(rng, 60, (0.2, 0.3, 0.5))}
        result, _ = weighted_overall_score(cats, {"a": 1, "b": 1}, n_resamples=300, seed=rep)
        covered += result.ci_low <= truth <= result.ci_high
    assert 0.88 <= covered / reps <= 0.99


def test_four_wins_of_four_get_an_honest_wilson_interval() -> None:
    """A percentile bootstrap would give [1, 1]; Wilson's lower bound is 0.51 at n = 4."""
    from scipy.stats import binomtest

    m = pairwise_metrics(["win"] * 4, n_resamples=200)
    reference = binomtest(4, 4).proportion_ci(method="wilson")
    for metric in (m.win_rate, m.score):
        assert metric.ci_method == "wilson"
        assert (metric.ci_low, metric.ci_high) == pytest.approx((reference.low, reference.high))
    assert m.win_ratio.ci_low == pytest.approx(reference.low / (1 - reference.low))
    assert m.warning is not None


def test_score_counts_ties_as_half_successes_below_thirty_pairs() -> None:
    m = pairwise_metrics(["win", "tie", "loss", "tie", "win"], n_resamples=200)
    assert m.score.value == pytest.approx(3 / 5) and m.score.ci_method == "wilson"
    assert 0 < m.score.ci_low < 0.6 < m.score.ci_high < 1
    large = pairwise_metrics(["win", "tie", "loss"] * 10, n_resamples=200)
    assert large.score.ci_method == "bootstrap_percentile"  # n >= 30 with varied outcomes
