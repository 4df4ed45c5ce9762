"""Answer extraction on real-looking model outputs, and GSM8K number normalisation."""

from __future__ import annotations

import re

import pytest

from benchlab.scoring.extraction import (
    extract_choice,
    extract_number_flexible,
    extract_number_strict,
    normalize_number,
)

CHOICE_TABLE = [
    ("Answer: B", "B", "answer_colon"),
    (" B", "B", "leading_letter"),
    ("C. 42 newtons", "C", "leading_letter"),
    ("(D)", "D", "parenthesized"),
    ("I think the answer is (B) because the force doubles.", "B", "answer_is"),
    ("The correct answer is C.", "C", "answer_is"),
    ("the answer is b", "B", "answer_is"),
    (
        "Let's think. Option A is wrong since mass is conserved. So the answer is D.",
        "D",
        "answer_is",
    ),
    ("Both (A) and (C) look plausible, but only (C) conserves charge.", "C", "parenthesized"),
    ("Step 1: compute 3*4=12.\nStep 2: subtract.\n**B**", "B", "bold"),
    ("The final answer: **C. Paris**", "C", "answer_colon"),
    ("**Answer:** A", "A", "answer_colon"),
    ("$\\boxed{D}$", "D", "boxed"),
    ("Final answer is option B", "B", "answer_is"),
    ("Therefore B is correct.", "B", "lone_letter"),
    ("A dog is a mammal, so it breathes air.", None, None),
    ("I do not know.", None, None),
    ("", None, None),
    ("The answer is E", None, None),  # E is not one of the four letters
    # lower-case letters after an explicit phrase count, the article "a" does not
    ("the answer is (b)", "B", "answer_is"),
    ("Answer: b) 3 metres per second", "B", "answer_colon"),
    ("Final answer: (c)", "C", "answer_colon"),
    ("The correct answer is option a since mass is conserved.", "A", "answer_is"),
    ("The answer is A because the force doubles.", "A", "answer_is"),
    ("**Answer: D**", "D", "answer_colon"),
    ("The answer is a bit tricky. Looking at the options, (C) is right.", "C", "parenthesized"),
    ("I think the answer is a tough call, but B.", "B", "lone_letter"),
    ("Answer: a combination of factors. So the answer is D.", "D", "answer_is"),
    ("Answer: a combination of both effects.", None, None),
]


@pytest.mark.parametrize(("text", "letter", "rule"), CHOICE_TABLE)
def test_extract_choice_table(text: str, letter: str | None, rule: str | None) -> None:
    found = extract_choice(text, "ABCD")
    assert (found.answer, found.rule) == (letter, rule)


def test_extract_choice_accepts_more_letters() -> None:
    assert extract_choice("The answer is E", "ABCDE").answer == "E"


GSM8K_TABLE = [
    # generation, strict (hash or "The answer is"), flexible (last number)
    ("Janet has 16 - 3 - 4 = 9 eggs. 9 * 2 = 18. The answer is 18.", "18", "18."),
    ("She pays $1,200 in total.\n#### 1,200", "1,200", "1,200"),
    ("He ran 3 miles. The answer is -5.", "-5", "-5."),
    ("So the total is $18.00 dollars.", None, "$18.00"),
    ("No numbers here.", None, None),
    ("It costs 4 dollars per 2 pounds, so 7", None, "7"),
]


@pytest.mark.parametrize(("text", "strict", "flexible"), GSM8K_TABLE)
def test_number_extraction_table(text: str, strict: str | None, flexible: str | None) -> None:
    assert extract_number_strict(text).answer == strict
    assert extract_number_flexible(text).answer == flexible


def _lm_eval_flexible(text: str) -> str | None:
    """lm-eval's flexible-extract filter: findall, last match, first non-empty group."""
    matches = re.findall(r"(-?[$0-9.,]{2,})|(-?[0-9]+)", text)
    if not matches:
        return None
    return next(group for group in matches[-1] if group)


@pytest.mark.parametrize("text", [row[0] for row in GSM8K_TABLE])
def test_flexible_matches_lm_eval_filter(text: str) -> None:
    assert extract_number_flexible(text).answer == _lm_eval_flexible(text)


def test_strict_rules_can_be_restricted() -> None:
    text = "The answer is 7. #### 8"
    assert extract_number_strict(text, ("hash",)).answer == "8"
    # lm-eval's pattern "The answer is (\-?[0-9\.\,]+)." captures "7." here;
    # normalising drops the dot
    assert extract_number_strict(text, ("the_answer_is",)).answer == "7."
    assert normalize_number("7.") == "7"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("1,200", "1200"),
        ("$18", "18"),
        ("18.", "18"),
        ("18.0", "18"),
        ("18.00", "18"),
        ("-3", "-3"),
        ("2.5", "2.5"),
        ("Some text #### 72", "72"),
        ("$1,000.", "1000"),
    ],
)
def test_normalize_number(raw: str, normal: str) -> None:
    assert normalize_number(raw) == normal


def test_normalize_number_lm_eval_mode_keeps_decimals() -> None:
    assert normalize_number("18.0", drop_zero_decimals=False) == "18.0"
    assert normalize_number("$1,000.", drop_zero_decimals=False) == "1000"
