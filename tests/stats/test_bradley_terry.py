"""Bradley-Terry against exact hand cases, statsmodels' logistic GLM and simulated tournaments."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm

from benchlab.errors import DataError
from benchlab.stats import bradley_terry, bradley_terry_with_ci, elo_scale


def games(first: str, second: str, wins: int, losses: int, ties: int = 0) -> list:
    return (
        [(first, second, 1.0)] * wins
        + [(first, second, 0.0)] * losses
        + [(first, second, 0.5)] * ties
    )


def test_two_players_strength_ratio_is_the_win_odds() -> None:
    strengths = bradley_terry(games("a", "b", 3, 1), ridge=1e-9)
    assert strengths["a"] / strengths["b"] == pytest.approx(3.0, rel=1e-6)
    assert strengths["a"] * strengths["b"] == pytest.approx(1.0)  # geometric mean 1


def test_three_player_case_with_consistent_odds_is_fitted_exactly() -> None:
    # a beats b 2:1, b beats c 2:1, a beats c 4:1 -> every pair fits s_a : s_b : s_c = 4 : 2 : 1.
    outcomes = games("a", "b", 2, 1) + games("c", "b", 1, 2) + games("a", "c", 4, 1)
    strengths = bradley_terry(outcomes, ridge=1e-9)
    assert strengths["a"] == pytest.approx(2.0, rel=1e-6)  # 4 / cbrt(8)
    assert strengths["b"] == pytest.approx(1.0, rel=1e-6)
    assert strengths["c"] == pytest.approx(0.5, rel=1e-6)
    elo = elo_scale(strengths)
    assert elo["b"] == pytest.approx(1000.0)
    assert elo["a"] - elo["c"] == pytest.approx(400 * math.log10(4))


def test_ties_count_half_a_win_each() -> None:
    with_ties = bradley_terry(games("a", "b", 2, 0, ties=2), ridge=1e-9)
    as_halves = bradley_terry(games("a", "b", 3, 1), ridge=1e-9)
    assert with_ties["a"] == pytest.approx(as_halves["a"], rel=1e-6)
    cyclic = games("a", "b", 3, 1) + games("b", "c", 3, 1) + games("c", "a", 3, 1)
    assert all(s == pytest.approx(1.0) for s in bradley_terry(cyclic).values())


def test_matches_a_logistic_glm_on_an_unbalanced_tournament() -> None:
    rng = np.random.default_rng(3)
    names = ["a", "b", "c", "d"]
    outcomes = [
        (names[i], names[j], float(rng.choice([0.0, 0.5, 1.0], p=[0.3, 0.2, 0.5])))
        for i, j in (rng.choice(4, size=2, replace=False) for _ in range(300))
    ]
    ours = bradley_terry(outcomes, ridge=1e-9)
    # P(first wins) = expit(theta_first - theta_second); theta_d = 0 as the reference.
    design = np.zeros((len(outcomes), 3))
    for row, (a, b, _) in enumerate(outcomes):
        for name, sign in ((a, 1.0), (b, -1.0)):
            if name != "d":
                design[row, names.index(name)] = sign
    response = np.array([s for *_, s in outcomes])
    fit = sm.GLM(response, design, family=sm.families.Binomial()).fit()
    for i, name in enumerate(names[:3]):
        assert math.log(ours[name] / ours["d"]) == pytest.approx(fit.params[i], abs=1e-6)


def test_recovers_known_strength_ratios_from_many_games() -> None:
    rng = np.random.default_rng(0)
    truth = {"w": 1.0, "x": 2.0, "y": 4.0, "z": 8.0}
    outcomes = []
    for a, b in itertools.combinations(truth, 2):
        p = truth[a] / (truth[a] + truth[b])
        outcomes += [(a, b, float(won)) for won in rng.random(600) < p]
    fitted = bradley_terry(outcomes)
    for a, b in itertools.combinations(truth, 2):
        assert fitted[a] / fitted[b] == pytest.approx(truth[a] / truth[b], rel=0.2)


def test_undefeated_player_is_strongest_and_finite() -> None:
    outcomes = games("champ", "b", 5, 0) + games("champ", "c", 4, 0) + games("b", "c", 3, 2)
    strengths = bradley_terry(outcomes)
    assert max(strengths, key=strengths.get) == "champ"
    assert all(math.isfinite(s) for s in strengths.values())


def test_bootstrap_intervals_contain_the_fit_and_are_seeded() -> None:
    rng = np.random.default_rng(1)
    outcomes = [("cand1", "ref", float(w)) for w in rng.random(80) < 0.7]
    outcomes += [("cand2", "ref", float(w)) for w in rng.random(80) < 0.4]
    outcomes += [("cand3", "ref", 0.5)] * 3  # few games: resamples may leave cand3 out
    result = bradley_terry_with_ci(outcomes, n_resamples=300, seed=4)
    point = bradley_terry(outcomes)
    assert set(result) == {"cand1", "cand2", "cand3", "ref"}
    for name, (strength, interval) in result.items():
        assert strength == pytest.approx(point[name])
        assert interval.contains(strength)
    assert result["cand1"][1].low > result["cand2"][1].low
    assert bradley_terry_with_ci(outcomes, n_resamples=300, seed=4) == result


def test_rejects_bad_outcomes() -> None:
    with pytest.raises(DataError):
        bradley_terry([])
    with pytest.raises(DataError):
        bradley_terry([("a", "a", 1.0)])
    with pytest.raises(DataError):
        bradley_terry([("a", "b", 2.0)])
    with pytest.raises(ValueError):
        bradley_terry([("a", "b", 1.0)], ridge=0.0)


def test_a_player_missing_from_a_resample_neither_drags_its_own_nor_others_intervals() -> None:
    rng = np.random.default_rng(1)
    outcomes = [("cand1", "ref", float(w)) for w in rng.random(80) < 0.7]
    outcomes += [("cand2", "ref", float(w)) for w in rng.random(80) < 0.4]
    outcomes += [("lucky", "ref", 1.0)]  # one game: absent from about 37% of resamples
    result = bradley_terry_with_ci(outcomes, n_resamples=300, seed=4)
    strength, interval = result["lucky"]
    assert interval.low > 0.5 * strength  # absent resamples would drag it to ~1
    strength, interval = result["cand1"]
    assert interval.high < 1.6 * strength  # and shift everyone else's scale
