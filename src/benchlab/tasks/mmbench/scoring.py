"""Score MMBench answers: per copy, per question (circular or vanilla), and accuracy with CIs.

A question scored circularly is right only when every copy is; a copy whose answer no rule reads
is wrong, and the outcome says which rotation failed and why, so reports can show it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from benchlab.errors import DataError
from benchlab.stats import Interval, wilson_interval
from benchlab.tasks.mmbench.circular import circular_groups
from benchlab.tasks.mmbench.extraction import ChoiceExtraction, extract_choice
from benchlab.tasks.mmbench.tsv import ChoiceQuestion

__all__ = [
    "Accuracy",
    "AccuracyBreakdown",
    "CopyOutcome",
    "QuestionOutcome",
    "accuracy_breakdown",
    "rule_counts",
    "score_circular",
    "score_copies",
    "score_vanilla",
]

Answer = str | ChoiceExtraction  # free text to extract from, or a letter already chosen
Extractor = Callable[[str, Mapping[str, str]], ChoiceExtraction]


@dataclass(frozen=True)
class CopyOutcome:
    """One asked row: the expected letter, the model's answer, the letter read and by which rule."""

    index: int
    rotation: int
    expected: str | None
    answer: str
    letter: str | None
    rule: str
    correct: bool


@dataclass(frozen=True)
class QuestionOutcome:
    """One question: right only if every copy is; `failure` says which copy failed and why."""

    group: int
    category: str | None
    l2_category: str | None
    split: str | None
    copies: tuple[CopyOutcome, ...]
    correct: bool
    failure: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (copies as dicts)."""
        return asdict(self)


@dataclass(frozen=True)
class Accuracy:
    """Share of questions right, with a Wilson interval (questions are the independent units)."""

    correct: int
    n: int
    value: float
    interval: Interval


@dataclass(frozen=True)
class AccuracyBreakdown:
    """Accuracy overall and per category, l2-category and split (sorted by name)."""

    overall: Accuracy
    by_category: dict[str, Accuracy]
    by_l2_category: dict[str, Accuracy]
    by_split: dict[str, Accuracy]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (intervals as dicts)."""
        return asdict(self)


def score_copies(
    questions: Sequence[ChoiceQuestion],
    answers: Mapping[int, Answer],
    *,
    extract: Extractor = extract_choice,
) -> list[CopyOutcome]:
    """Read every row's answer (by index) and compare it with the row's answer letter."""
    asked = {question.index for question in questions}
    missing = sorted(asked - set(answers))
    unknown = sorted(set(answers) - asked)
    if missing or unknown:
        raise DataError(
            f"answers do not match the questions: {len(missing)} row(s) without an answer "
            f"(e.g. index {missing[:5]}), {len(unknown)} answer(s) for unknown rows "
            f"(e.g. {unknown[:5]}); score the complete set of rows that was asked"
        )
    outcomes = []
    for question in questions:
        answer = answers[question.index]
        if isinstance(answer, ChoiceExtraction):
            read, text = answer, answer.letter or ""
        else:
            read, text = extract(str(answer), question.options), str(answer)
        outcomes.append(
            CopyOutcome(
                index=question.index,
                rotation=question.rotation,
                expected=question.answer,
                answer=text,
                letter=read.letter,
                rule=read.rule,
                correct=read.letter is not None and read.letter == question.answer,
            )
        )
    return outcomes


def _failure(copy: CopyOutcome) -> str | None:
    if copy.correct:
        return None
    if copy.letter is None:
        return f"rotation {copy.rotation}: answer not read ({copy.rule}): {copy.answer[:200]!r}"
    return f"rotation {copy.rotation}: chose {copy.letter} ({copy.rule}), expected {copy.expected}"


def _question(first: ChoiceQuestion, copies: Sequence[CopyOutcome]) -> QuestionOutcome:
    failures = [reason for reason in map(_failure, copies) if reason]
    return QuestionOutcome(
        group=first.group,
        category=first.category,
        l2_category=first.l2_category,
        split=first.split,
        copies=tuple(copies),
        correct=not failures,
        failure=failures[0] if failures else None,
    )


def score_circular(
    questions: Sequence[ChoiceQuestion],
    answers: Mapping[int, Answer],
    *,
    extract: Extractor = extract_choice,
) -> list[QuestionOutcome]:
    """One outcome per original question, right only when every rotated copy is right."""
    by_index = {c.index: c for c in score_copies(questions, answers, extract=extract)}
    return [
        _question(copies[0], [by_index[copy.index] for copy in copies])
        for copies in circular_groups(questions).values()
    ]


def score_vanilla(
    questions: Sequence[ChoiceQuestion],
    answers: Mapping[int, Answer],
    *,
    extract: Extractor = extract_choice,
    originals_only: bool = True,
) -> list[QuestionOutcome]:
    """One outcome per row; by default only unrotated rows count (VLMEvalKit's `vanilla_0`)."""
    rows = [q for q in questions if q.rotation == 0 or not originals_only]
    subset = {q.index: answers[q.index] for q in rows if q.index in answers}
    copies = score_copies(rows, subset, extract=extract)
    return [_question(question, [copy]) for question, copy in zip(rows, copies, strict=True)]


def _accuracy(outcomes: Sequence[QuestionOutcome], confidence: float) -> Accuracy:
    correct = sum(outcome.correct for outcome in outcomes)
    n = len(outcomes)
    return Accuracy(correct, n, correct / n, wilson_interval(correct, n, confidence))


def _by(
    outcomes: Sequence[QuestionOutcome], key: Callable[[QuestionOutcome], str | None], c: float
) -> dict[str, Accuracy]:
    groups: dict[str, list[QuestionOutcome]] = {}
    for outcome in outcomes:
        name = key(outcome)
        if name is not None:
            groups.setdefault(name, []).append(outcome)
    return {name: _accuracy(groups[name], c) for name in sorted(groups)}


def accuracy_breakdown(
    outcomes: Sequence[QuestionOutcome], *, confidence: float = 0.95
) -> AccuracyBreakdown:
    """Accuracy with Wilson CIs overall and per category / l2-category / split."""
    if not outcomes:
        raise DataError("no scored questions: accuracy needs at least one")
    return AccuracyBreakdown(
        overall=_accuracy(outcomes, confidence),
        by_category=_by(outcomes, lambda o: o.category, confidence),
        by_l2_category=_by(outcomes, lambda o: o.l2_category, confidence),
        by_split=_by(outcomes, lambda o: o.split, confidence),
    )


def rule_counts(outcomes: Iterable[QuestionOutcome]) -> Counter[str]:
    """How many copies each extraction rule read (`unmatched` and `refusal` included)."""
    return Counter(copy.rule for outcome in outcomes for copy in outcome.copies)
