"""Pairwise outcomes and the numbers users report from them, each with a bootstrap CI.

A pair is judged in both orders. From the candidate's side each order gives win, loss or tie;
if the two orders disagree the pair is a tie (FastChat's rule) and counts as a position flip.
A pair whose verdict could not be read in either order is unparseable: it is counted and
reported, never scored. Over N scored pairs with W wins, L losses and T ties:

- score = (W + 0.5 T) / N
- win rate without ties = W / (W + L)
- win ratio = W / L (W:L), whose CI is the win-rate CI mapped through p / (1 - p): interval
  bounds carry over exactly through a monotone map.

Intervals are chosen for honesty at the small n judge studies have. The win rate is a binomial
proportion of the decisive pairs, so it gets a Wilson interval at every n (a percentile bootstrap
gives the degenerate [1, 1] for 4 wins of 4). The score is a mean of 0, 0.5 and 1: it keeps a
percentile bootstrap from `SMALL_N` pairs on when the outcomes vary, and otherwise takes a Wilson
interval on W + T/2 successes of N, which is conservative with ties (no variable on [0, 1] with
mean p has a variance above p(1 - p)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from benchlab.judge.verdict import VerdictLabel
from benchlab.record.jsonsafe import finite_or_none
from benchlab.scoring.metric import MetricResult

__all__ = [
    "OUTCOME_SCORE",
    "SMALL_N",
    "Outcome",
    "PairwiseMetrics",
    "combine_orders",
    "pairwise_metrics",
    "weighted_overall_score",
]

Outcome = Literal["win", "loss", "tie"]
OUTCOME_SCORE: dict[str, float] = {"win": 1.0, "tie": 0.5, "loss": 0.0}
#: Below this many scored pairs (or with identical outcomes) the score takes a Wilson interval.
SMALL_N = 30
_NAN = float("nan")


def combine_orders(
    candidate_first: VerdictLabel | None, candidate_second: VerdictLabel | None
) -> tuple[Outcome | None, bool | None]:
    """(outcome, flipped) from the verdicts with the candidate shown as A, then as B.

    Returns (None, None) when either verdict is unparseable.
    """
    if candidate_first is None or candidate_second is None:
        return None, None
    first: Outcome = {"A": "win", "B": "loss", "tie": "tie"}[candidate_first]  # type: ignore[assignment]
    second: Outcome = {"B": "win", "A": "loss", "tie": "tie"}[candidate_second]  # type: ignore[assignment]
    if first == second:
        return first, False
    return "tie", True


@dataclass(frozen=True)
class PairwiseMetrics:
    """W/L/T and the derived rates for one category (or one candidate overall)."""

    wins: int
    losses: int
    ties: int
    unparseable: int
    score: MetricResult
    win_rate: MetricResult
    win_ratio: MetricResult
    warning: str | None

    @property
    def n(self) -> int:
        """Scored pairs (unparseable ones excluded)."""
        return self.wins + self.losses + self.ties

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; infinite or undefined values become null."""
        return {
            "n": self.n,
            "wins": self.wins,
            "losses": self.losses,
            "ties": self.ties,
            "unparseable": self.unparseable,
            "score": _finite_json(self.score),
            "win_rate_without_ties": _finite_json(self.win_rate),
            "win_ratio": _finite_json(self.win_ratio),
            "warning": self.warning,
        }


def _finite_json(metric: MetricResult) -> dict[str, Any]:
    def clean(x: float) -> float | None:
        return finite_or_none(float(x))

    return {
        "value": clean(metric.value),
        "ci_low": clean(metric.ci_low),
        "ci_high": clean(metric.ci_high),
        "n": metric.n,
        "ci_method": metric.ci_method,
    }


def _mean(values: np.ndarray) -> np.ndarray:
    # Row-wise over the last axis, so the bootstrap can evaluate resamples in batches.
    return np.mean(values, axis=-1)


def _wilson(successes: float, n: int) -> tuple[MetricResult, Any | None]:
    """successes / n with a 95% Wilson interval; a fractional count scores ties as halves."""
    if n == 0:
        return MetricResult(_NAN, _NAN, _NAN, 0, "none"), None
    from benchlab.stats import wilson_interval

    # The Wilson formula depends on the count only through p = successes / n, so a
    # fractional count is well defined.
    interval = wilson_interval(successes, n)  # type: ignore[arg-type]
    metric = MetricResult(successes / n, float(interval.low), float(interval.high), n, "wilson")
    return metric, interval


def _score_interval(
    scores: np.ndarray, n_resamples: int, seed: int
) -> tuple[MetricResult, Any | None]:
    """A mean of per-pair values with a bootstrap CI when it is trustworthy (n >= 30 and not all
    equal), else a Wilson CI, which keeps its coverage where the bootstrap's collapses."""
    if len(scores) >= SMALL_N and np.ptp(scores) > 0:
        from benchlab.stats import bootstrap_ci

        interval = bootstrap_ci(_mean, scores, n_resamples=n_resamples, seed=seed)
        metric = MetricResult(
            float(_mean(scores)),
            float(interval.low),
            float(interval.high),
            len(scores),
            "bootstrap_percentile",
        )
        return metric, interval
    return _wilson(float(scores.sum()), len(scores))


def _odds(p: float) -> float:
    if np.isnan(p):
        return _NAN
    return float("inf") if p >= 1.0 else p / (1.0 - p)


def pairwise_metrics(
    outcomes: Sequence[Outcome],
    *,
    unparseable: int = 0,
    n_resamples: int = 1000,
    seed: int = 0,
) -> PairwiseMetrics:
    """Score, win rate without ties and win ratio with CIs, plus the small-sample warning."""
    from benchlab.stats import small_sample_warning

    wins = sum(o == "win" for o in outcomes)
    losses = sum(o == "loss" for o in outcomes)
    ties = sum(o == "tie" for o in outcomes)
    scores = np.array([OUTCOME_SCORE[o] for o in outcomes], dtype=float)
    score, score_interval = _score_interval(scores, n_resamples, seed)
    decisive = np.array([1.0] * wins + [0.0] * losses)
    win_rate, _ = _score_interval(decisive, n_resamples, seed)
    win_ratio = MetricResult(
        float(wins / losses) if losses else (float("inf") if wins else _NAN),
        _odds(win_rate.ci_low),
        _odds(win_rate.ci_high),
        wins + losses,
        win_rate.ci_method,
    )
    if score_interval is None:
        warning: str | None = "no scored pairs: nothing can be concluded"
    else:
        warning = small_sample_warning(len(scores), score_interval)
    return PairwiseMetrics(wins, losses, ties, unparseable, score, win_rate, win_ratio, warning)


def weighted_overall_score(
    category_outcomes: Mapping[str, Sequence[Outcome]],
    weights: Mapping[str, float],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[MetricResult, dict[str, float]]:
    """Weighted mean of category scores with a stratified percentile bootstrap CI.

    Each category is resampled within itself (its N is fixed by design, not random), which
    `stats.bootstrap_ci`'s joint resampling cannot express. Categories without scored pairs
    drop out and the remaining weights are renormalized; the weights used are returned.
    """
    arrays = {
        name: np.array([OUTCOME_SCORE[o] for o in outcomes], dtype=float)
        for name, outcomes in category_outcomes.items()
    }
    used = {
        name: float(weights.get(name, 1.0))
        for name, values in arrays.items()
        if len(values) and weights.get(name, 1.0) > 0
    }
    total = sum(used.values())
    if not used or total <= 0:
        return MetricResult(_NAN, _NAN, _NAN, 0, "none"), {}
    used = {name: w / total for name, w in used.items()}
    point = sum(w * float(arrays[name].mean()) for name, w in used.items())
    rng = np.random.default_rng(seed)
    draws = np.zeros(n_resamples)
    for name, w in used.items():
        values = arrays[name]
        index = rng.integers(0, len(values), size=(n_resamples, len(values)))
        draws += w * values[index].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha])
    n = sum(len(arrays[name]) for name in used)
    return MetricResult(point, float(low), float(high), n, "stratified_bootstrap_percentile"), used
