"""Minimum detectable effect against statsmodels' power solver and McNemar's exact power."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower

from benchlab.stats import (
    Interval,
    minimum_detectable_effect,
    small_sample_warning,
    wilson_interval,
)


def from_cohens_h(baseline: float, h: float) -> float:
    """Smallest |p2 - baseline| among the directions where Cohen's h stays in range."""
    phi = 2 * math.asin(math.sqrt(baseline))
    options = [math.sin((phi + s * h) / 2) ** 2 for s in (1, -1) if 0 <= phi + s * h <= math.pi]
    return min(abs(p - baseline) for p in options)


def test_hand_computed_case() -> None:
    # n = 100, baseline 0.5: h = (1.95996 + 0.84162) sqrt(2/100) = 0.39620;
    # p2 = sin(pi/4 + h/2)^2 = 0.69296  ->  MDE = 0.19296
    assert minimum_detectable_effect(100) == pytest.approx(0.19296, abs=5e-5)


@pytest.mark.parametrize(("n", "baseline"), [(30, 0.5), (100, 0.5), (400, 0.3), (1000, 0.9)])
def test_independent_mde_matches_statsmodels_normal_ind_power(n: int, baseline: float) -> None:
    h = NormalIndPower().solve_power(nobs1=n, alpha=0.05, power=0.8, ratio=1.0)
    expected = from_cohens_h(baseline, h)
    assert minimum_detectable_effect(n, baseline) == pytest.approx(expected, rel=1e-4)


def mcnemar_exact_power(n: int, discordance: float, delta: float, alpha: float = 0.05) -> float:
    """Exact power of McNemar's exact test, summing over the discordant count."""
    total = 0.0
    share_b = (discordance + delta) / (2 * discordance)
    for d in range(1, n + 1):
        k = np.arange(d + 1)
        p = np.minimum(1.0, 2 * sps.binom.cdf(np.minimum(k, d - k), d, 0.5))
        reject = p < alpha
        total += sps.binom.pmf(d, n, discordance) * sps.binom.pmf(k, d, share_b)[reject].sum()
    return total


@pytest.mark.parametrize(("n", "discordance"), [(300, 0.2), (1000, 0.1)])
def test_paired_mde_solves_connors_equation_and_gives_about_80_percent_exact_power(
    n: int, discordance: float
) -> None:
    delta = minimum_detectable_effect(n, paired=True, discordance=discordance)
    za, zb = sps.norm.ppf(0.975), sps.norm.ppf(0.8)
    lhs = math.sqrt(n) * delta
    assert lhs == pytest.approx(
        za * math.sqrt(discordance) + zb * math.sqrt(discordance - delta**2)
    )
    assert mcnemar_exact_power(n, discordance, delta) == pytest.approx(0.8, abs=0.04)


def test_mde_decreases_with_n_and_with_lower_discordance() -> None:
    sizes = [10, 20, 50, 100, 500, 2000, 15000]
    for kwargs in ({}, {"baseline": 0.85}, {"paired": True, "discordance": 0.15}):
        values = [minimum_detectable_effect(n, **kwargs) for n in sizes]
        assert all(a > b or a == b == math.inf for a, b in itertools.pairwise(values))
    assert minimum_detectable_effect(200, paired=True, discordance=0.1) < (
        minimum_detectable_effect(200, paired=True, discordance=0.3)
    )
    assert minimum_detectable_effect(200, 0.7, paired=True) == pytest.approx(
        minimum_detectable_effect(200, 0.7, paired=True, discordance=2 * 0.7 * 0.3)
    )


def test_mde_is_infinite_when_nothing_is_detectable_and_rejects_bad_input() -> None:
    assert minimum_detectable_effect(1) == math.inf
    assert minimum_detectable_effect(2, paired=True, discordance=0.5) == math.inf
    with pytest.raises(ValueError):
        minimum_detectable_effect(0)
    with pytest.raises(ValueError):
        minimum_detectable_effect(100, baseline=1.0)
    with pytest.raises(ValueError):
        minimum_detectable_effect(100, paired=True, discordance=0.0)


def test_small_sample_warning_sentences() -> None:
    assert small_sample_warning(1000, wilson_interval(700, 1000)) is None
    both = small_sample_warning(12, wilson_interval(6, 12))
    assert both == (
        "n=12 < 30 and 95% CI width 49 points: too small to support a claim; "
        "minimum detectable effect at 80% power: 46 points"
    )
    small = small_sample_warning(20, None)
    assert small is not None and small.startswith("n=20 < 30: too small")
    wide = small_sample_warning(200, Interval(0.3, 0.6))
    assert wide is not None and wide.startswith("n=200 but 95% CI width 30 points > 20")
    assert small_sample_warning(0, None) == "n=0: nothing can be concluded"
    nothing = small_sample_warning(1, None)
    assert nothing is not None and nothing.endswith("no difference is detectable at 80% power")
    assert small_sample_warning(100, Interval(float("nan"), float("nan"))) is None
