"""Circular evaluation: each question asked once per rotation of its options, as VLMEvalKit does.

With N options the question is asked N times, option j of copy k being option (j + k) mod N of
the original and the answer letter moved with it; a question counts as right only when every copy
is answered right. VLMEvalKit (`vlmeval/tools.py`, CIRCULAR) leaves some questions unrotated,
because rotating would change their meaning or is impossible; `circular_exemption` applies the
same rules:
- an option whose words name more than one of the question's option letters ("A and B");
- an option that is itself a run of capital letters ("B", "ABC": a substring of A..Z);
- fewer than two options, a gap in the letters, or an answer that is not one of the options.
"All of the above" is not among VLMEvalKit's rules; pass `extra_phrases=POSITIONAL_PHRASES` to
also keep such questions unrotated (then say so next to the result: it is not VLMEvalKit's set).
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Iterable, Sequence

from benchlab.tasks.mmbench.tsv import COPY_OFFSET, ChoiceQuestion

__all__ = [
    "POSITIONAL_PHRASES",
    "check_circular_copies",
    "circular_exemption",
    "circular_groups",
    "circular_questions",
    "exemptions",
    "expand_circular",
    "rotate_question",
]

POSITIONAL_PHRASES = (
    "all of the above",
    "none of the above",
    "both of the above",
    "neither of the above",
    "all of these",
    "none of these",
)
_NOT_LETTER = re.compile(r"[^A-Za-z ]")


def circular_exemption(
    question: ChoiceQuestion, *, extra_phrases: Sequence[str] = ()
) -> str | None:
    """Why a question is asked once instead of rotated (None when it is rotated)."""
    letters = list(question.options)
    if len(letters) < 2:
        return f"{len(letters)} option(s): nothing to rotate"
    if letters != list(string.ascii_uppercase[: len(letters)]):
        return f"the option letters {letters} have a gap"
    for letter, text in question.options.items():
        named = {word for word in _NOT_LETTER.sub(" ", text).split() if word in question.options}
        if len(named) > 1:
            return f"option {letter} ({text!r}) refers to options {sorted(named)}"
        if text in string.ascii_uppercase:
            return f"option {letter} ({text!r}) is itself a letter label"
        for phrase in extra_phrases:
            if phrase.lower() in text.lower():
                return f"option {letter} ({text!r}) says {phrase!r}"
    if question.answer not in question.options:
        return f"the answer {question.answer!r} is not one of the options {letters}"
    return None


def exemptions(
    questions: Iterable[ChoiceQuestion], *, extra_phrases: Sequence[str] = ()
) -> dict[int, str]:
    """Original questions that are asked once, with the reason, for the report."""
    return {
        q.group: reason
        for q in questions
        if q.rotation == 0 and (reason := circular_exemption(q, extra_phrases=extra_phrases))
    }


def rotate_question(question: ChoiceQuestion, rotation: int) -> ChoiceQuestion:
    """Copy `rotation` of a question: option j is old option (j + rotation) mod N, answer moved."""
    letters = list(question.options)
    count = len(letters)
    if question.rotation:
        raise ValueError(f"question {question.index} is already a rotated copy")
    if not 0 <= rotation < count:
        raise ValueError(f"rotation must lie in [0, {count}), got {rotation}")
    options = {letters[j]: question.options[letters[(j + rotation) % count]] for j in range(count)}
    answer = question.answer
    if answer in question.options:
        answer = letters[(letters.index(answer) - rotation) % count]
    return ChoiceQuestion(
        **{
            **question.__dict__,
            "index": question.index + rotation * COPY_OFFSET,
            "options": options,
            "answer": answer,
        }
    )


def expand_circular(
    questions: Iterable[ChoiceQuestion], *, extra_phrases: Sequence[str] = ()
) -> list[ChoiceQuestion]:
    """Every question followed by its rotated copies (exempt questions appear once)."""
    expanded = []
    for question in questions:
        if question.rotation:
            raise ValueError(
                f"question {question.index} is already a rotated copy; use circular_questions"
            )
        if question.index >= COPY_OFFSET:
            raise ValueError(f"index {question.index} leaves no room for copies (>= 1e6)")
        if circular_exemption(question, extra_phrases=extra_phrases):
            expanded.append(question)
        else:
            expanded.extend(rotate_question(question, k) for k in range(len(question.options)))
    return expanded


def circular_questions(
    questions: Sequence[ChoiceQuestion], *, extra_phrases: Sequence[str] = ()
) -> list[ChoiceQuestion]:
    """The rows to ask: a file that already holds copies (official TSVs) is used as it is."""
    if any(question.rotation for question in questions):
        return list(questions)
    return expand_circular(questions, extra_phrases=extra_phrases)


def circular_groups(questions: Iterable[ChoiceQuestion]) -> dict[int, list[ChoiceQuestion]]:
    """Copies by original question, each group in rotation order, groups in first-seen order."""
    groups: dict[int, list[ChoiceQuestion]] = defaultdict(list)
    for question in questions:
        groups[question.group].append(question)
    return {g: sorted(copies, key=lambda q: q.rotation) for g, copies in groups.items()}


def check_circular_copies(
    questions: Sequence[ChoiceQuestion], *, extra_phrases: Sequence[str] = ()
) -> list[str]:
    """Differences between a file's circular copies and the copies these rules would make."""
    problems = []
    for group, copies in circular_groups(questions).items():
        original = copies[0]
        if original.rotation:
            problems.append(f"question {group}: no unrotated original (rotation 0) in the file")
            continue
        reason = circular_exemption(original, extra_phrases=extra_phrases)
        if reason and len(copies) > 1:
            problems.append(
                f"question {group}: rotated {len(copies) - 1} time(s) although {reason}"
            )
            continue
        expected = [original] if reason else expand_circular([original])
        if [q.rotation for q in copies] != [q.rotation for q in expected]:
            problems.append(
                f"question {group}: rotations {[q.rotation for q in copies]}, expected "
                f"{[q.rotation for q in expected]}"
            )
            continue
        for got, want in zip(copies, expected, strict=True):
            if (got.options, got.answer) != (want.options, want.answer):
                problems.append(
                    f"question {group} rotation {got.rotation}: options/answer differ from the "
                    f"rotation of the original (answer {got.answer!r}, expected {want.answer!r})"
                )
    return problems
