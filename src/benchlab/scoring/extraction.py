"""Reading answers out of generated text: a choice letter, or a number for math word problems.

Every extractor says which rule fired, and returns no answer when nothing matches: an
unparseable output is counted as such, never replaced by a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Extraction",
    "extract_choice",
    "extract_number_flexible",
    "extract_number_strict",
    "normalize_number",
]


@dataclass(frozen=True)
class Extraction:
    """The extracted answer (None when none was found) and the name of the rule that found it."""

    answer: str | None
    rule: str | None


_NONE = Extraction(None, None)


def _choice_rules(letters: str) -> list[tuple[str, re.Pattern[str], bool]]:
    """(name, pattern, take the last match) in priority order; `letters` like "ABCD"."""
    ls = f"[{letters}]"
    bound = r"(?![A-Za-z0-9])"
    # The explicit rules ignore case ("the answer is (b)"), so a lower-case "a" or "i" followed
    # by another word ("the answer is a bit tricky") is the English word, not a choice letter.
    not_word = r"(?!(?-i:[ai])[ \t]+(?-i:[a-z0-9]))"
    flags = re.IGNORECASE
    return [
        (
            "answer_is",
            re.compile(
                rf"(?:final\s+|correct\s+|best\s+)?(?:answer|option|choice)\s*(?:is|would\s+be|"
                rf"should\s+be|=)\s*:?[\s*]*(?:(?:option|choice)\s+[\(\[*]*|[\(\[*]*{not_word})"
                rf"({ls}){bound}",
                flags,
            ),
            True,
        ),
        (
            "answer_colon",
            re.compile(rf"(?:answer|option|choice)\s*:[\s*]*[\(\[]*{not_word}({ls}){bound}", flags),
            True,
        ),
        ("boxed", re.compile(rf"\\boxed\{{\s*(?:\\text\{{)?\s*\(?({ls})\)?", flags), True),
        ("bold", re.compile(rf"\*\*\s*\(?({ls})\)?(?:[.:)]|\s*\*\*)", 0), True),
        ("parenthesized", re.compile(rf"\(({ls})\)", 0), True),
        ("leading_letter", re.compile(rf"\A\s*[\[*]*({ls})(?:[.:)\]*]|\s*$|\s)", 0), False),
        ("lone_letter", re.compile(rf"(?<![A-Za-z0-9'])({ls})(?![A-Za-z0-9'])", 0), True),
    ]


def extract_choice(text: str, letters: Sequence[str] = "ABCD") -> Extraction:
    """The answer letter in a generation ("Answer: B", "(B)", "the answer is B", "**B**").

    Explicit statements win over loose ones; among matches of one rule, the last wins, since
    chain-of-thought outputs state the final answer at the end. The lone-letter rule only
    accepts capital letters standing alone, so the article "a" or "I" in prose never counts
    (a lone "A" or "I" followed by a lower-case word is read as the English word). The explicit
    rules also take lower case ("Answer: b)"), except "a" or "i" followed by another word.
    """
    allowed = "".join(letters)
    for name, pattern, last in _choice_rules(allowed):
        matches = [
            m.group(1)
            for m in pattern.finditer(text)
            if name not in ("leading_letter", "lone_letter") or not _is_word(text, m)
        ]
        if matches:
            letter = (matches[-1] if last else matches[0]).upper()
            return Extraction(letter, name)
    return _NONE


def _is_word(text: str, match: re.Match[str]) -> bool:
    """Whether a lone "A" or "I" is the English word ("A dog...", "I think") not a letter."""
    return match.group(1) in "AI" and re.match(r"\s+[a-z]", text[match.end(1) :]) is not None


_STRICT_RULES = (
    ("hash", re.compile(r"#### (\-?[0-9\.\,]+)")),
    ("the_answer_is", re.compile(r"The answer is (\-?[0-9\.\,]+).")),
)
_FLEXIBLE = re.compile(r"(-?[$0-9.,]{2,})|(-?[0-9]+)")


def extract_number_strict(
    text: str, rules: Sequence[str] = ("hash", "the_answer_is")
) -> Extraction:
    """The number after "#### " or in "The answer is N." (lm-eval's strict-match), first match."""
    for name, pattern in _STRICT_RULES:
        if name in rules:
            match = pattern.search(text)
            if match:
                return Extraction(match.group(1), name)
    return _NONE


def extract_number_flexible(text: str) -> Extraction:
    """The last number-like token in the text (lm-eval's flexible-extract)."""
    matches = _FLEXIBLE.findall(text)
    if not matches:
        return _NONE
    last = matches[-1]
    value = next((group for group in last if group), "")
    return Extraction(value, "last_number") if value else _NONE


_IGNORE = (re.compile(","), re.compile(r"\$"), re.compile(r"(?s).*#### "), re.compile(r"\.$"))


def normalize_number(value: str, *, drop_zero_decimals: bool = True) -> str:
    """The form exact match compares: lm-eval's regexes_to_ignore, then a trailing ".0" dropped.

    lm-eval strips commas, dollar signs, anything up to "#### " and one final period, and
    lower-cases; with `drop_zero_decimals` "18.0" and "18" are also made equal (lm-eval's
    exact match would count "18.0" wrong against the integer gold answers of GSM8K).
    """
    text = value
    for pattern in _IGNORE:
        text = pattern.sub("", text)
    text = text.lower()
    if drop_zero_decimals and re.fullmatch(r"-?\d+\.0+", text):
        text = text.split(".")[0]
    return text
