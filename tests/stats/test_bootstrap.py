"""Bootstrap CIs against scipy.stats.bootstrap, a coverage simulation and degenerate inputs."""

from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import stats as sps

from benchlab.errors import DataError
from benchlab.stats import (
    bootstrap,
    bootstrap_ci,
    bootstrap_ci_clustered,
    clustered_mean_interval,
)


def batched_mean(values: np.ndarray) -> np.ndarray:
    return values.mean(axis=-1)


def scalar_mean(values: np.ndarray) -> float:
    return float(np.mean(values))


def accuracy(gold: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(gold == pred))


@pytest.mark.parametrize(("method", "scipy_method"), [("percentile", "percentile"), ("bca", "BCa")])
def test_matches_scipy_bootstrap_on_a_skewed_sample(method: str, scipy_method: str) -> None:
    sample = np.random.default_rng(0).exponential(size=400)
    ours = bootstrap_ci(batched_mean, sample, n_resamples=20000, method=method, seed=1)
    ref = sps.bootstrap(
        (sample,), np.mean, n_resamples=20000, method=scipy_method, random_state=2
    ).confidence_interval
    width = ref.high - ref.low
    assert ours.low == pytest.approx(ref.low, abs=0.04 * width)
    assert ours.high == pytest.approx(ref.high, abs=0.04 * width)
    assert ours.method == f"bootstrap_{method}"


def test_bca_corrects_a_skewed_statistic_as_scipy_does() -> None:
    # The variance of a small lognormal sample is strongly skewed: BCa moves both bounds up.
    sample = np.random.default_rng(5).lognormal(size=40)

    def variance(values: np.ndarray, axis: int = -1) -> np.ndarray:
        return values.var(axis=axis)

    percentile = bootstrap_ci(variance, sample, n_resamples=20000)
    bca = bootstrap_ci(variance, sample, n_resamples=20000, method="bca")
    ref = sps.bootstrap(
        (sample,), variance, n_resamples=20000, method="BCa", random_state=3
    ).confidence_interval
    width = ref.high - ref.low
    assert bca.low == pytest.approx(ref.low, abs=0.04 * width)
    assert bca.high == pytest.approx(ref.high, abs=0.04 * width)
    assert bca.low - percentile.low > 0.05 * width  # the correction did something
    assert bca.high - percentile.high > 0.1 * width


def test_paired_arrays_match_scipy_paired_bootstrap() -> None:
    rng = np.random.default_rng(2)
    gold = rng.integers(0, 3, size=300)
    pred = np.where(rng.random(300) < 0.6, gold, rng.integers(0, 3, size=300))
    ours = bootstrap_ci(accuracy, gold, pred, n_resamples=5000)
    ref = sps.bootstrap(
        (gold, pred),
        lambda g, p, axis=-1: np.mean(g == p, axis=axis),
        paired=True,
        n_resamples=5000,
        method="percentile",
        random_state=0,
    ).confidence_interval
    assert ours.low == pytest.approx(ref.low, abs=0.01)
    assert ours.high == pytest.approx(ref.high, abs=0.01)


def test_percentile_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(11)
    covered = 0
    repetitions = 300
    for seed in range(repetitions):
        sample = (rng.random(200) < 0.7).astype(float)
        interval = bootstrap_ci(batched_mean, sample, n_resamples=400, seed=seed)
        covered += interval.contains(0.7)
    assert 0.90 <= covered / repetitions <= 0.99


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_interval_contains_point_estimate(method: str) -> None:
    rng = np.random.default_rng(4)
    gold = rng.integers(0, 2, size=500)
    pred = np.where(rng.random(500) < 0.75, gold, 1 - gold)
    result = bootstrap(accuracy, gold, pred, method=method)
    assert result.point == accuracy(gold, pred)
    assert result.interval.contains(result.point)
    assert result.draws.shape == (1000,)


def test_same_seed_same_interval_and_other_seed_differs() -> None:
    sample = np.random.default_rng(9).random(100)
    first = bootstrap_ci(scalar_mean, sample, seed=3)
    assert bootstrap_ci(scalar_mean, sample, seed=3) == first
    assert bootstrap_ci(scalar_mean, sample, seed=4) != first


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_batched_and_per_resample_paths_agree(method: str) -> None:
    sample = np.random.default_rng(8).random(250)
    auto = bootstrap_ci(batched_mean, sample, method=method)
    forced_loop = bootstrap_ci(batched_mean, sample, method=method, vectorized=False)
    scalar = bootstrap_ci(scalar_mean, sample, method=method)
    assert auto.low == pytest.approx(forced_loop.low) == pytest.approx(scalar.low)
    assert auto.high == pytest.approx(forced_loop.high) == pytest.approx(scalar.high)


def test_degenerate_inputs() -> None:
    with pytest.raises(ValueError):
        bootstrap_ci(scalar_mean, [])
    for method in ("percentile", "bca"):
        one = bootstrap_ci(scalar_mean, [0.3], method=method)
        assert (one.low, one.high) == (0.3, 0.3)
        constant_values = np.full(50, 0.1)
        constant = bootstrap_ci(scalar_mean, constant_values, method=method)
        point = scalar_mean(constant_values)
        assert (constant.low, constant.high) == (point, point)
    with pytest.raises(DataError):
        bootstrap_ci(accuracy, [1, 0, 1], [1, 0])


def test_resamples_with_undefined_statistic_are_dropped() -> None:
    def precision_of_positives(values: np.ndarray) -> float:
        positives = values[values > 0]
        return float(np.mean(positives > 0.5)) if positives.size else float("nan")

    values = np.array([0.0] * 18 + [0.9, 0.2])  # many resamples contain no positive value
    result = bootstrap(precision_of_positives, values, n_resamples=500)
    assert np.isnan(result.draws).any()
    assert 0.0 <= result.interval.low <= result.interval.high <= 1.0


def test_fifteen_thousand_items_resample_quickly() -> None:
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 4, size=15000)
    pred = np.where(rng.random(15000) < 0.8, gold, rng.integers(0, 4, size=15000))
    start = time.perf_counter()
    bootstrap_ci(accuracy, gold, pred, n_resamples=1000)
    assert time.perf_counter() - start < 2.0  # typically ~0.2 s; generous for slow CI hosts


def test_cluster_bootstrap_widens_for_correlated_clusters_like_the_clustered_se() -> None:
    rng = np.random.default_rng(1)
    difficulty = rng.random(80)
    clusters = np.repeat(np.arange(80), 5)
    values = (rng.random(400) < difficulty[clusters]).astype(float)
    naive = bootstrap_ci(scalar_mean, values, n_resamples=2000)
    clustered = bootstrap_ci_clustered(scalar_mean, values, clusters=clusters, n_resamples=2000)
    analytic = clustered_mean_interval(values, clusters).interval
    assert clustered.width > 1.3 * naive.width
    assert clustered.width == pytest.approx(analytic.width, rel=0.15)
    assert clustered.method == "cluster_bootstrap_percentile"
    bca = bootstrap_ci_clustered(scalar_mean, values, clusters=clusters, method="bca")
    assert bca.contains(float(values.mean()))
    assert bootstrap_ci_clustered(scalar_mean, values, clusters=clusters, seed=5) == (
        bootstrap_ci_clustered(scalar_mean, values, clusters=clusters, seed=5)
    )
