"""Answer position bias of a multiple-choice experiment: predicted letters against gold letters.

A model that favours a position ("A" whatever the question) predicts that letter more often
than it is the gold answer. Whether the gap exceeds sampling noise is a chi-square
goodness-of-fit test of the predicted-letter counts against the counts the gold letter
distribution implies; each letter also gets its own z (adjusted residual), so a significant
test can name the letters behind it. Too few items and the test says nothing, and the note
says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchlab.report.records import ExperimentRecord
from benchlab.report.wording import format_p, points

__all__ = ["LetterShare", "PositionBias", "experiment_position_bias", "position_bias"]

#: Below this many answered items, or an expected count below 5, the test carries no claim.
MIN_ITEMS = 30
MIN_EXPECTED = 5.0
ALPHA = 0.05
Z_CRITICAL = 1.96


@dataclass(frozen=True)
class LetterShare:
    """One letter: how often it was predicted (among answered items) and how often gold."""

    letter: str
    predicted: int
    gold: int
    predicted_share: float
    gold_share: float
    z: float | None

    @property
    def difference(self) -> float:
        """Predicted share minus gold share (0-1 scale)."""
        return self.predicted_share - self.gold_share


@dataclass(frozen=True)
class PositionBias:
    """The letter table, the chi-square test (None when undefined) and what may be concluded.

    `biased` is set only when the test is valid (enough items) and p < 0.05.
    """

    letters: list[LetterShare]
    n: int
    n_answered: int
    statistic: float | None
    p_value: float | None
    biased: bool

    @property
    def note(self) -> str:
        """One plain sentence: biased, consistent with gold, or too few items to say."""
        return _note(self)


def _letter(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _chisquare(observed: list[int], expected: list[float]) -> tuple[float, float]:
    from scipy.stats import chisquare

    result = chisquare(observed, expected)
    return float(result.statistic), float(result.pvalue)


def _too_few(table: list[LetterShare], n_answered: int) -> bool:
    """Whether the chi-square approximation cannot carry a claim (Cochran's rule, n < 30)."""
    expected = [s.gold_share * n_answered for s in table]
    return n_answered < MIN_ITEMS or min(expected) < MIN_EXPECTED


def _note(bias: PositionBias) -> str:
    missing = bias.n - bias.n_answered
    unanswered = f" (left out: {missing} without an extracted letter)" if missing else ""
    table, n_answered, p_value = bias.letters, bias.n_answered, bias.p_value
    if n_answered == 0:
        return "No item has an extracted letter: there is nothing to compare."
    never_gold = [s.letter for s in table if s.gold == 0]
    if never_gold:
        return (
            f"Predicted letters {', '.join(never_gold)} are never the gold answer, so the "
            f"chi-square test against the gold distribution is undefined{unanswered}."
        )
    if p_value is None:
        return f"Only one gold letter occurs: there is no distribution to test{unanswered}."
    if _too_few(table, n_answered):
        rarest = min(table, key=lambda s: s.gold_share)
        reason = (
            f"only {n_answered} answered items"
            if n_answered < MIN_ITEMS
            else f"{rarest.letter} expects {rarest.gold_share * n_answered:.1f} < "
            f"{MIN_EXPECTED:g} predictions"
        )
        return (
            f"Too few items for the chi-square test ({reason}; {format_p(p_value)}): nothing "
            f"can be concluded about position bias from this sample{unanswered}."
        )
    if not bias.biased:
        return (
            f"Predicted letters are consistent with the gold distribution (chi-square "
            f"{format_p(p_value)}, n={n_answered}): no evidence of position bias{unanswered}."
        )
    flagged = [s for s in table if s.z is not None and abs(s.z) > Z_CRITICAL]
    named = "; ".join(
        f"{s.letter} predicted {points(s.predicted_share)}% vs gold {points(s.gold_share)}% "
        f"({points(s.difference, True)} points, z={s.z:+.1f})"
        for s in sorted(flagged, key=lambda s: -abs(s.z or 0.0))
    )
    detail = f": {named}" if named else ""
    return (
        f"Predicted letters differ from the gold distribution by more than "
        f"sampling noise (chi-square {format_p(p_value)}, n={n_answered}){detail}{unanswered}."
    )


def position_bias(rows: Sequence[Mapping[str, Any]]) -> PositionBias | None:
    """Letter shares and the chi-square test from predictions.jsonl rows (None: no letters).

    Gold shares are over every item; predicted shares and the test are over the items with
    an extracted letter (all of them when scored by log-likelihood), whose expected count for
    a letter is its gold share times the number answered.
    """
    pairs = [(_letter(r.get("gold_letter")), _letter(r.get("predicted_letter"))) for r in rows]
    scored = [(gold, predicted) for gold, predicted in pairs if gold]
    if not scored:
        return None
    n = len(scored)
    gold_counts = Counter(gold for gold, _ in scored)
    predicted_counts = Counter(predicted for _, predicted in scored if predicted)
    n_answered = sum(predicted_counts.values())
    letters = sorted(set(gold_counts) | set(predicted_counts))
    table = []
    for letter in letters:
        share = gold_counts[letter] / n
        expected = share * n_answered
        spread = math.sqrt(expected * (1 - share)) if 0 < share < 1 else 0.0
        table.append(
            LetterShare(
                letter,
                predicted_counts[letter],
                gold_counts[letter],
                predicted_counts[letter] / n_answered if n_answered else 0.0,
                share,
                (predicted_counts[letter] - expected) / spread if spread else None,
            )
        )
    statistic = p_value = None
    if n_answered > 0 and len(gold_counts) > 1 and all(s.gold for s in table):
        statistic, p_value = _chisquare(
            [s.predicted for s in table], [s.gold_share * n_answered for s in table]
        )
    biased = p_value is not None and p_value < ALPHA and not _too_few(table, n_answered)
    return PositionBias(table, n, n_answered, statistic, p_value, biased)


def experiment_position_bias(record: ExperimentRecord) -> PositionBias | None:
    """The position bias of a complete multiple-choice experiment (None for other tasks)."""
    if (record.results or {}).get("task_family") != "multiple_choice":
        return None
    return position_bias(record.predictions)
