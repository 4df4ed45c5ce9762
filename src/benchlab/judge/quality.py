"""How far the judge itself can be trusted: position flips, self-agreement, length preference.

Each is a proportion with a Wilson interval, so a judge that flips on 30% of pairs or hands
70% of decisions to the longer answer is visible next to the scores it produced. Unreadable
verdicts are counted by reason: many "truncated" ones call for a larger `max_tokens`, many
"conflicting" ones for a clearer template.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchlab.record.jsonsafe import finite_or_none
from benchlab.scoring.metric import MetricResult

__all__ = ["JudgeQuality", "LengthCase", "judge_quality", "proportion"]


def proportion(successes: int, n: int) -> MetricResult:
    """successes / n with a 95% Wilson interval (NaN when n = 0)."""
    if n == 0:
        nan = float("nan")
        return MetricResult(nan, nan, nan, 0, "none")
    from benchlab.stats import wilson_interval

    interval = wilson_interval(successes, n)
    return MetricResult(successes / n, float(interval.low), float(interval.high), n, "wilson")


@dataclass(frozen=True)
class LengthCase:
    """A decisive pair: which side won and the two answers' lengths in characters."""

    candidate_won: bool
    candidate_chars: int
    reference_chars: int


@dataclass(frozen=True)
class JudgeQuality:
    """Position-flip rate, repeated-judgment agreement and share of wins to the longer answer."""

    position_flip_rate: MetricResult
    repeat_agreement: MetricResult
    longer_answer_share: MetricResult
    unparseable_rate: MetricResult
    unparseable_reasons: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN becomes null)."""

        def clean(m: MetricResult) -> dict[str, Any]:
            out = m.to_json()
            for k in ("value", "ci_low", "ci_high"):
                out[k] = finite_or_none(out[k])
            return out

        return {
            "position_flip_rate": clean(self.position_flip_rate),
            "repeat_agreement": clean(self.repeat_agreement),
            "longer_answer_share": clean(self.longer_answer_share),
            "unparseable_rate": clean(self.unparseable_rate),
            "unparseable_reasons": dict(self.unparseable_reasons),
        }


def judge_quality(
    flips: Sequence[bool],
    repeat_matches: Sequence[bool],
    length_cases: Sequence[LengthCase],
    *,
    unparseable: int,
    judged_pairs: int,
    unparseable_reasons: Iterable[str] = (),
) -> JudgeQuality:
    """Judge reliability from per-pair flags.

    `flips`: one per pair parsed in both orders. `repeat_matches`: one per repeated judgment
    (same request judged again), True when both verdicts agree. `length_cases`: decisive pairs;
    pairs whose answers have equal length are skipped. `unparseable_reasons`: one per unreadable
    judgment (a pair can have two).
    """
    longer = [c for c in length_cases if c.candidate_chars != c.reference_chars]
    went_longer = sum(c.candidate_won == (c.candidate_chars > c.reference_chars) for c in longer)
    return JudgeQuality(
        position_flip_rate=proportion(sum(flips), len(flips)),
        repeat_agreement=proportion(sum(repeat_matches), len(repeat_matches)),
        longer_answer_share=proportion(went_longer, len(longer)),
        unparseable_rate=proportion(unparseable, judged_pairs),
        unparseable_reasons=dict(sorted(Counter(unparseable_reasons).items())),
    )
