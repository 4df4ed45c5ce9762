"""Answer extraction: the letter and the rule, hand-checked against VLMEvalKit's can_infer."""

from __future__ import annotations

import pytest

from benchlab.tasks.mmbench import EXTRACTION_RULES, choice_from_loglikelihoods, extract_choice

OPTIONS = {"A": "a red circle", "B": "a blue square", "C": "a green triangle", "D": "a diamond"}


@pytest.mark.parametrize(
    ("answer", "letter", "rule"),
    [
        ("B", "B", "exact_letter"),
        ("B.", "B", "exact_letter"),
        ("(B)", "B", "exact_letter"),
        (" **C** ", "C", "exact_letter"),
        ("I would pick (D) here", "D", "bracketed_letter"),
        ("Answer: D", "D", "answer_prefix"),
        ("answer C", "C", "answer_prefix"),
        ("I think it is A", "A", "letter_token"),
        (
            "The correct answer is **B**. The shape in the picture has four equal sides.",
            "B",
            "answer_is",
        ),
        ("The answer is (C) because the shape in the picture has three corners", "C", "answer_is"),
        ("the answer is b.", "B", "answer_is"),
        ("a blue square", "B", "option_text"),
        # a capital article reads as option A, as in VLMEvalKit (which only warns when VERBOSE)
        ("It shows A Green Triangle.", "A", "letter_token"),
        ("it shows a green triangle.", "C", "option_text"),
        # VLMEvalKit's case-blind "answer is a" would read option A here
        ("the answer is a dog", None, "unmatched"),
        # the letter is too early (not among the last five words): VLMEvalKit does not read it
        ("B is right because the shape has four equal sides", None, "unmatched"),
        ("A or B", None, "unmatched"),  # two letters: ambiguous
        ("a red circle or a blue square", None, "unmatched"),  # two option texts
        ("I cannot tell.", None, "unmatched"),
        ("", None, "unmatched"),
        ("Cannot determine the answer", None, "refusal"),
        ("Z", None, "refusal"),
        ("E", None, "unmatched"),  # not one of the options
    ],
)
def test_extraction(answer: str, letter: str | None, rule: str) -> None:
    read = extract_choice(answer, OPTIONS)
    assert (read.letter, read.rule) == (letter, rule)
    assert read.matched == (letter is not None)
    assert read.rule in EXTRACTION_RULES


def test_only_the_question_s_letters_count() -> None:
    three = {k: v for k, v in OPTIONS.items() if k != "D"}
    assert extract_choice("D", three).letter is None
    assert extract_choice("the answer is D", three).letter is None


def test_long_answers_are_not_read_by_option_text() -> None:
    long = "a blue square " + "and more words " * 20
    assert extract_choice(long, OPTIONS).rule == "unmatched"  # longer than twice the options


def test_choice_by_loglikelihood() -> None:
    read = choice_from_loglikelihoods({"A": -3.2, "B": -0.7, "C": -5.0})
    assert (read.letter, read.rule) == ("B", "loglikelihood")
    tie = choice_from_loglikelihoods({"A": -1.0, "B": -1.0, "C": -5.0})
    assert (tie.letter, tie.rule) == (None, "loglikelihood_tie")
    with pytest.raises(ValueError, match="NaN"):
        choice_from_loglikelihoods({"A": float("nan"), "B": -1.0})
