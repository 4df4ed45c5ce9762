"""Analytic intervals against statsmodels / scipy and a hand-computed clustered SE."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from benchlab.errors import DataError
from benchlab.stats import Interval, clustered_mean_interval, normal_mean_interval, wilson_interval


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [(0, 10, 0.95), (3, 10, 0.95), (10, 10, 0.95), (57, 200, 0.9), (1, 1, 0.99), (700, 1000, 0.95)],
)
def test_wilson_matches_statsmodels(successes: int, n: int, confidence: float) -> None:
    ours = wilson_interval(successes, n, confidence)
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    assert ours.low == pytest.approx(low, abs=1e-12)
    assert ours.high == pytest.approx(high, abs=1e-12)
    assert ours.method == "wilson"
    assert ours.confidence == confidence


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)
    with pytest.raises(ValueError):
        wilson_interval(1, 10, confidence=1.0)


def test_normal_mean_interval_matches_scipy_t_and_z() -> None:
    values = np.random.default_rng(3).normal(2.0, 1.5, size=40)
    sem = sps.sem(values)
    low, high = sps.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=sem)
    t = normal_mean_interval(values, 0.95)
    assert (t.low, t.high) == pytest.approx((low, high), abs=1e-12)
    low, high = sps.norm.interval(0.9, loc=values.mean(), scale=sem)
    z = normal_mean_interval(values, 0.9, distribution="z")
    assert (z.low, z.high) == pytest.approx((low, high), abs=1e-12)


def test_normal_mean_interval_single_value_is_a_point() -> None:
    interval = normal_mean_interval([0.4])
    assert (interval.low, interval.high) == (0.4, 0.4)


def test_clustered_se_hand_computed() -> None:
    # mean = 0.5; residuals: cluster a (+.5, +.5), cluster b (-.5, -.5), cluster c (+.5, -.5)
    values = [1, 1, 0, 0, 1, 0]
    clusters = ["a", "a", "b", "b", "c", "c"]
    result = clustered_mean_interval(values, clusters)
    # sum_c (sum residuals)^2 = 1 + 1 + 0 = 2  ->  SE = sqrt(2) / 6
    assert result.se == pytest.approx(math.sqrt(2) / 6)
    assert result.naive_se == pytest.approx(math.sqrt(6 * 0.25) / 6)
    assert result.mean == 0.5
    assert result.n_clusters == 3
    z = sps.norm.ppf(0.975)
    assert result.interval.low == pytest.approx(0.5 - z * math.sqrt(2) / 6)
    assert result.interval.high == pytest.approx(0.5 + z * math.sqrt(2) / 6)


def test_singleton_clusters_reduce_to_naive_se() -> None:
    values = np.random.default_rng(0).random(50)
    result = clustered_mean_interval(values, np.arange(50))
    assert result.se == pytest.approx(result.naive_se)
    assert result.se == pytest.approx(values.std(ddof=0) / math.sqrt(50))


def test_clustered_se_exceeds_naive_se_when_clusters_are_correlated() -> None:
    rng = np.random.default_rng(1)
    difficulty = rng.random(60)  # each passage has its own difficulty shared by its 5 questions
    clusters = np.repeat(np.arange(60), 5)
    values = (rng.random(300) < difficulty[clusters]).astype(float)
    result = clustered_mean_interval(values, clusters)
    assert result.se > 1.3 * result.naive_se
    assert result.interval.contains(result.mean)


def test_clustered_mean_needs_one_label_per_value() -> None:
    with pytest.raises(DataError):
        clustered_mean_interval([1, 0, 1], ["a", "b"])


def test_interval_helpers() -> None:
    interval = Interval(0.2, 0.5, 0.9, "x")
    assert interval.width == pytest.approx(0.3)
    assert interval.contains(0.2) and not interval.contains(0.51)
    assert interval.to_json() == {"low": 0.2, "high": 0.5, "confidence": 0.9, "method": "x"}
