"""Bradley-Terry strengths from pairwise judgments: one scale for models compared two at a time.

The model says P(i beats j) = s_i / (s_i + s_j). Strengths are fitted by maximum likelihood
(Newton's method on the log-strengths theta = ln s) with a small ridge penalty
(ridge / 2) sum theta^2, which pins down the otherwise free common scale and keeps a player who
won every game finite. The penalty makes the fitted log-strengths sum to zero, so strengths
have geometric mean 1: s_i = 2 means "beats an average player two times in three".
A tie counts as half a win for each side; any score in [0, 1] is read the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit

from benchlab.errors import DataError
from benchlab.stats.bootstrap import interval_from_draws
from benchlab.stats.intervals import Interval, check_confidence

__all__ = ["bradley_terry", "bradley_terry_with_ci", "elo_scale"]

Outcome = tuple[str, str, float]


@dataclass(frozen=True)
class _Games:
    names: list[str]
    first: np.ndarray
    second: np.ndarray
    score: np.ndarray


def _games(outcomes: Sequence[Outcome]) -> _Games:
    if len(outcomes) == 0:
        raise DataError("Bradley-Terry needs at least one pairwise outcome, got none")
    names: dict[str, int] = {}
    first, second, score = [], [], []
    for a, b, s in outcomes:
        if a == b:
            raise DataError(f"Bradley-Terry outcome pits {a!r} against itself; drop self-pairs")
        if not 0.0 <= float(s) <= 1.0:
            raise DataError(
                f"Bradley-Terry outcome ({a!r}, {b!r}, {s!r}): the score must be 1 (first "
                "wins), 0 (second wins) or 0.5 (tie)"
            )
        first.append(names.setdefault(a, len(names)))
        second.append(names.setdefault(b, len(names)))
        score.append(float(s))
    return _Games(list(names), np.array(first), np.array(second), np.array(score))


def _wins(games: _Games, weights: np.ndarray) -> np.ndarray:
    """W[i, j]: (weighted) wins of i over j, a tie giving half to each."""
    k = len(games.names)
    forward = games.first * k + games.second
    backward = games.second * k + games.first
    wins = np.bincount(forward, weights * games.score, minlength=k * k)
    wins += np.bincount(backward, weights * (1.0 - games.score), minlength=k * k)
    return wins.reshape(k, k)


def _fit(wins: np.ndarray, ridge: float, start: np.ndarray | None = None) -> np.ndarray:
    """Penalised maximum-likelihood log-strengths by damped Newton steps."""
    k = wins.shape[0]
    played = wins + wins.T
    theta = np.zeros(k) if start is None else start.copy()

    def objective(t: np.ndarray) -> float:
        return float(np.sum(wins * log_expit(t[:, None] - t[None, :])) - ridge / 2 * t @ t)

    current = objective(theta)
    for _ in range(200):
        p = expit(theta[:, None] - theta[None, :])
        gradient = (wins - played * p).sum(axis=1) - ridge * theta
        weight = played * p * (1.0 - p)
        hessian = np.diag(weight.sum(axis=1) + ridge) - weight
        step = np.linalg.solve(hessian, gradient)
        size = 1.0
        while size > 1e-10:
            candidate = objective(theta + size * step)
            if candidate >= current - 1e-12:
                break
            size /= 2.0
        theta, current = theta + size * step, candidate
        if np.max(np.abs(size * step)) < 1e-10:
            break
    return theta - theta.mean()


def bradley_terry(outcomes: Sequence[Outcome], *, ridge: float = 0.01) -> dict[str, float]:
    """Strengths (geometric mean 1) from (first, second, score) outcomes, 1 = first wins.

    `ridge` is the penalty on the log-strengths; 0.01 is worth a hundredth of a game, enough
    to keep an undefeated player finite while barely moving the others.
    """
    if ridge <= 0:
        raise ValueError(f"ridge must be > 0 to identify the strengths, got {ridge!r}")
    games = _games(outcomes)
    theta = _fit(_wins(games, np.ones(games.score.size)), ridge)
    return {name: float(math.exp(t)) for name, t in zip(games.names, theta, strict=True)}


def elo_scale(strengths: Mapping[str, float], *, anchor: float = 1000.0) -> dict[str, float]:
    """Strengths as Elo-like ratings: anchor + 400 log10(s) (the geometric-mean player = anchor)."""
    return {name: anchor + 400.0 * math.log10(s) for name, s in strengths.items()}


def bradley_terry_with_ci(
    outcomes: Sequence[Outcome],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    ridge: float = 0.01,
) -> dict[str, tuple[float, Interval]]:
    """Strengths with percentile bootstrap CIs from refitting on outcomes drawn with replacement.

    A resample in which a player has no games says nothing about that player: it is left out
    of that player's interval, and the others' log-strengths are shifted so that their mean
    matches the full fit's (otherwise the missing player would move everyone's scale).
    """
    check_confidence(confidence)
    if ridge <= 0:
        raise ValueError(f"ridge must be > 0 to identify the strengths, got {ridge!r}")
    games = _games(outcomes)
    m, k = games.score.size, len(games.names)
    theta = _fit(_wins(games, np.ones(m)), ridge)
    rng = np.random.default_rng(seed)
    draws = np.empty((n_resamples, k))
    for r in range(n_resamples):
        counts = np.bincount(rng.integers(0, m, size=m), minlength=m).astype(float)
        wins = _wins(games, counts)
        present = (wins + wins.T).sum(axis=1) > 0
        fitted = _fit(wins, ridge, start=theta)
        fitted += theta[present].mean() - fitted[present].mean()  # same scale as the full fit
        draws[r] = np.where(present, np.exp(fitted), np.nan)
    return {
        name: (
            float(math.exp(theta[i])),
            interval_from_draws(draws[:, i], float(math.exp(theta[i])), confidence),
        )
        for i, name in enumerate(games.names)
    }
