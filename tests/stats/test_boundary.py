"""Intervals at 0% and 100%: Wilson for proportions, Newcombe for paired differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from benchlab.scoring.classification import f1, matthews_corrcoef
from benchlab.scoring.metric import metric_with_ci
from benchlab.stats import bootstrap_ci, paired_bootstrap_difference
from benchlab.stats.boundary import binary_successes, newcombe_paired_interval


def mean(values: np.ndarray) -> float:
    return float(np.mean(values))


@pytest.mark.parametrize("successes", [0, 200])
def test_all_right_or_all_wrong_gets_the_wilson_interval(successes: int) -> None:
    values = np.array([1.0] * successes + [0.0] * (200 - successes))
    metric = metric_with_ci(mean, values)
    low, high = proportion_confint(successes, 200, alpha=0.05, method="wilson")
    assert metric.ci_method == "wilson"
    assert (metric.ci_low, metric.ci_high) == pytest.approx((low, high), abs=1e-12)
    assert metric.ci_low <= metric.value <= metric.ci_high
    assert metric.ci_high - metric.ci_low > 0.018


def test_perfect_score_of_200_has_lower_bound_0981() -> None:
    metric = metric_with_ci(mean, np.ones(200, dtype=bool))
    assert (metric.value, metric.ci_high) == (1.0, 1.0)
    assert round(metric.ci_low, 3) == 0.981


def test_single_item_is_a_boundary_too() -> None:
    metric = metric_with_ci(mean, np.ones(1))
    assert metric.ci_method == "wilson"
    assert metric.ci_low == pytest.approx(proportion_confint(1, 1, method="wilson")[0])


def test_away_from_the_boundary_nothing_changes() -> None:
    values = np.array([1.0] * 150 + [0.0] * 50)
    metric = metric_with_ci(mean, values, seed=3, n_resamples=500)
    interval = bootstrap_ci(mean, values, seed=3, n_resamples=500)
    assert metric.ci_method == "bootstrap_percentile"
    assert (metric.ci_low, metric.ci_high) == (interval.low, interval.high)


def test_accuracy_of_two_columns_is_a_proportion_when_told_its_successes() -> None:
    gold = np.array([0, 1, 1, 0, 1] * 20)
    accuracy = metric_with_ci(lambda g, p: float(np.mean(g == p)), gold, gold, successes=100)
    assert accuracy.ci_method == "wilson"
    assert accuracy.ci_low == pytest.approx(proportion_confint(100, 100, method="wilson")[0])


@pytest.mark.parametrize("metric", [f1, matthews_corrcoef])
def test_non_proportions_keep_the_collapsed_interval_with_a_note(metric) -> None:
    gold = np.array([0, 1, 1, 0, 1] * 20)
    result = metric_with_ci(lambda g, p: metric(g, p, 2), gold, gold)
    assert result.value == 1.0
    assert (result.ci_low, result.ci_high) == (1.0, 1.0)
    assert result.ci_method == "bootstrap_percentile_degenerate"


def test_binary_successes_only_for_the_mean_of_a_01_column() -> None:
    values = np.array([1, 0, 1, 1])
    assert binary_successes(mean, [values], 0.75) == 3
    assert binary_successes(lambda v: float(np.max(v)), [values], 1.0) is None
    assert binary_successes(mean, [np.array([0.5, 1.0])], 0.75) is None
    assert binary_successes(lambda a, b: 1.0, [values, values], 1.0) is None


def _paired(both: int, a_only: int, b_only: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([1] * both + [1] * a_only + [0] * b_only + [0] * neither, dtype=float)
    b = np.array([1] * both + [0] * a_only + [1] * b_only + [0] * neither, dtype=float)
    return a, b


@pytest.mark.parametrize(
    ("table", "counts"),
    [((200, 0, 0, 0), (200, 200)), ((0, 0, 200, 0), (200, 0)), ((0, 0, 0, 200), (0, 0))],
    ids=["both-always-right", "only-b-right", "both-always-wrong"],
)
def test_paired_difference_at_the_boundary_does_not_collapse(table, counts) -> None:
    """With an empty margin phi is 0, and Newcombe's paired interval is his independent one."""
    a, b = _paired(*table)
    result = paired_bootstrap_difference(mean, a, b, n_resamples=200)
    assert result.ci is not None and result.ci.method == "newcombe_paired"
    low, high = confint_proportions_2indep(
        counts[0], 200, counts[1], 200, method="newcomb", compare="diff"
    )
    assert (result.ci.low, result.ci.high) == pytest.approx((low, high), abs=1e-12)
    assert result.ci.high - result.ci.low > 0.018
    assert result.ci.contains(result.difference)


def test_newcombe_paired_by_hand_with_correlation() -> None:
    """Every item concordant but not all right: phi = 1, the hand computation of method 10."""
    a, b = _paired(150, 0, 0, 50)
    result = paired_bootstrap_difference(mean, a, b, n_resamples=200)
    low, high = proportion_confint(150, 200, method="wilson")
    down, up = 0.75 - low, high - 0.75  # the same Wilson interval for A and for B
    width = math.sqrt(down**2 - 2 * down * up + up**2)  # phi = 1
    assert result.ci is not None
    assert (result.ci.low, result.ci.high) == pytest.approx((-width, width), abs=1e-12)
    assert result.ci.high > result.ci.low


def test_newcombe_reduces_to_independent_when_uncorrelated() -> None:
    """phi = 0 exactly (ad = bc): the paired interval equals the independent Newcombe one."""
    interval = newcombe_paired_interval(10, 10, 30, 30)
    low, high = confint_proportions_2indep(40, 80, 20, 80, method="newcomb", compare="diff")
    assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)


def test_paired_non_proportion_keeps_collapsed_interval_with_a_note() -> None:
    gold = np.array([0, 1, 1, 0, 1] * 20)
    result = paired_bootstrap_difference(
        lambda g, p: f1(g, p, 2), gold, gold, gold, n_resamples=100
    )
    assert result.ci is not None
    assert (result.ci.low, result.ci.high) == (0.0, 0.0)
    assert result.ci.method.endswith("_degenerate")


def test_paired_counts_are_checked() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        newcombe_paired_interval(0, 0, 0, 0)
