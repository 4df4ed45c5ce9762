"""Verdict parsing: the usual forms, the last verdict wins, unreadable stays unreadable."""

from __future__ import annotations

import pytest

from benchlab.judge.verdict import parse_verdict


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("A is more helpful. [[A]]", "A"),
        ("[[B]]", "B"),
        ("Both are fine. [[C]]", "tie"),
        ("Final: [[tie]]", "tie"),
        ("[[ b ]]", "B"),
        ("My final verdict is [[A>>B]]", "A"),
        ("[[A>B]]", "A"),
        ("[[B>A]]", "B"),
        ("[[A=B]]", "tie"),
        ("[[A < B]]", "B"),
        ("Final verdict: B", "B"),
        ("Verdict: **Assistant A**", "A"),
        ("Winner: tie", "tie"),
        ("Output (b)", "B"),
        ("Output (A)", "A"),
    ],
)
def test_supported_forms(text: str, label: str) -> None:
    assert parse_verdict(text).label == label


def test_last_bracketed_verdict_wins_over_restated_instructions() -> None:
    text = 'Format: "[[A]]" if A is better, "[[B]]" if B is better, "[[C]]" for a tie. ... [[B]]'
    verdict = parse_verdict(text)
    assert verdict.label == "B"
    assert verdict.matched == "[[B]]"


def test_bracketed_beats_prose() -> None:
    assert parse_verdict("Verdict: A ... on reflection [[B]]").label == "B"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Both answers have merits and I cannot decide.",
        "[[D]]",
        "[[maybe]]",
        "Answer A or B?",
        "The verdict is a close call.",
        "My final verdict: a tie between them",
    ],
)
def test_unparseable_is_recorded_not_guessed(text: str) -> None:
    verdict = parse_verdict(text)
    assert verdict.label is None
    assert not verdict.parsed
