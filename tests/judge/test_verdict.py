"""Verdict parsing: the usual forms, restated formats, conflicts and cut-off replies.

The long cases are shaped like what judges really write for FastChat's MT-Bench prompt
(pair-v2), Arena-Hard's five labels and AlpacaEval's "Output (a)"; none may become an outcome
unless the judge clearly gave one.
"""

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
        ("Verdict: A tie", "tie"),
        ("My final verdict: a tie between them", "tie"),
        ("Output (b)", "B"),
        ("Output (A)", "A"),
        ("[[A]] [[A]]", "A"),  # the same verdict twice is not a conflict
    ],
)
def test_supported_forms(text: str, label: str) -> None:
    assert parse_verdict(text).label == label


MT_BENCH_B = (
    "Assistant A's answer lists three causes but gets the date of the treaty wrong, while "
    "Assistant B's answer is accurate and explains each cause with an example. Assistant B "
    "is more helpful and more precise.\n\nFinal verdict: [[B]]"
)
MT_BENCH_RESTATED_THEN_TIE = (
    'I must output "[[A]]" if assistant A is better, "[[B]]" if assistant B is better, and '
    '"[[C]]" for a tie.\n\nBoth answers give the same correct result with similar '
    "explanations.\n\n[[C]]"
)
MT_BENCH_CHANGED_MIND = (
    "At first [[A]] seemed right because it is longer, but on checking the arithmetic only B "
    "is correct, so my final verdict is [[B]]."
)
ARENA_HARD_A = (
    "Assistant A covers edge cases and cites the documentation; Assistant B misses the "
    "timeout handling.\n\nMy final verdict is Assistant A is significantly better: [[A>>B]]."
)
ARENA_HARD_B_SLIGHTLY = "Both are solid; B's code is a bit cleaner.\n\nMy final verdict is [[B>A]]"
ALPACA_EVAL_B = "Output (b)"


@pytest.mark.parametrize(
    ("text", "label", "matched"),
    [
        (MT_BENCH_B, "B", "[[B]]"),
        (MT_BENCH_RESTATED_THEN_TIE, "tie", "[[C]]"),
        (MT_BENCH_CHANGED_MIND, "B", "[[B]]"),
        (ARENA_HARD_A, "A", "[[A>>B]]"),
        (ARENA_HARD_B_SLIGHTLY, "B", "[[B>A]]"),
        (ALPACA_EVAL_B, "B", "Output (b)"),
        (
            'Format: "[[A]]" if A is better, "[[B]]" if B is better, "[[C]]" for a tie. ... [[B]]',
            "B",
            "[[B]]",
        ),
        ('Remember the format "[[A]]", "[[B]]" or "[[C]]". They are equal. [[C]]', "tie", "[[C]]"),
    ],
)
def test_real_looking_judge_outputs(text: str, label: str, matched: str) -> None:
    verdict = parse_verdict(text)
    assert (verdict.label, verdict.matched, verdict.reason) == (label, matched, None)


def test_bracketed_beats_prose() -> None:
    assert parse_verdict("Verdict: A ... on reflection [[B]]").label == "B"


ARENA_HARD_LABELS_ONLY = (
    "1. Assistant A is significantly better: [[A>>B]]\n"
    "2. Assistant A is slightly better: [[A>B]]\n"
    "3. Tie, relatively the same: [[A=B]]\n"
    "4. Assistant B is slightly better: [[B>A]]\n"
    "5. Assistant B is significantly better: [[B>>A]]\n\n"
    'Example output: "My final verdict is tie: [[A=B]]".'
)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no_verdict"),
        ("Both answers have merits and I cannot decide.", "no_verdict"),
        ("[[D]]", "no_verdict"),
        ("[[maybe]]", "no_verdict"),
        ("Answer A or B?", "no_verdict"),
        ("The verdict is a close call.", "no_verdict"),
        # the judge restates the format and stops: the last token is no verdict
        ("[[A]] if A is better, [[B]] if B is better, [[C]] for a tie", "restated_format"),
        (
            'Output your final verdict by strictly following this format: "[[A]]" if '
            'assistant A is better, "[[B]]" if assistant B is better, and "[[C]]" for a tie.',
            "restated_format",
        ),
        ('Answer with "[[A]]", "[[B]]" or "[[C]]".', "restated_format"),
        (ARENA_HARD_LABELS_ONLY, "restated_format"),
        ('Respond with "Output (a)" or "Output (b)".', "restated_format"),
        ("Use a label (e.g. [[A]]).", "restated_format"),
        # two verdicts and neither is marked final
        ("I lean [[A]], though one could say [[B]] because B is shorter.", "conflicting"),
        ("[[A]] for accuracy. [[B]] for style. Hard to weigh them.", "conflicting"),
    ],
)
def test_unparseable_is_recorded_with_a_reason_not_guessed(text: str, reason: str) -> None:
    verdict = parse_verdict(text)
    assert verdict.label is None and not verdict.parsed
    assert verdict.reason == reason


def test_conflicting_bracketed_verdicts_do_not_fall_back_to_prose() -> None:
    text = "[[A]] on facts, [[B]] on tone, which matters more here. Verdict: A"
    assert parse_verdict(text).reason == "conflicting"


@pytest.mark.parametrize(
    "text",
    [
        "Assistant A's answer is more detailed, but it misses the second part of the",
        '"[[A]]" if assistant A is better, "[[B]]" if',
    ],
)
def test_reply_cut_off_at_max_tokens_is_truncated(text: str) -> None:
    verdict = parse_verdict(text, finish_reason="length")
    assert verdict.label is None and verdict.reason == "truncated"


def test_a_verdict_before_the_cut_off_still_counts() -> None:
    assert parse_verdict("[[B]]\n\nExplanation: B is right because", "length").label == "B"
    assert parse_verdict("No verdict here", finish_reason="stop").reason == "no_verdict"
