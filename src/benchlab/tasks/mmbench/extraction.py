"""Which option a free-text answer chose, and by which rule; never a guess.

The rules follow VLMEvalKit's exact matching (`can_infer`: a lone option letter among the last
five words, "the answer is B", then a unique option text inside the answer), so scores compare
with its `exact_matching` numbers. Each result names the rule that fired, so a report can show
how answers were read. An answer no rule reads is `unmatched` and counts as wrong; it is never
replaced by a random letter (VLMEvalKit's GPT matcher does that after three failed tries).

Two deliberate differences in the "answer is X" rule: VLMEvalKit ignores case there, so "the
answer is a dog" reads as option A, while here a lower-case letter counts only when nothing but
punctuation follows; and here the letter may sit in brackets ("the answer is (C) because..."),
an answer VLMEvalKit leaves to its LLM matcher.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["EXTRACTION_RULES", "ChoiceExtraction", "choice_from_loglikelihoods", "extract_choice"]

EXTRACTION_RULES = (
    "exact_letter",  # the whole answer is the letter: "B", "B.", "(B)"
    "bracketed_letter",  # "(B)" or "[B]" near the end of a longer answer
    "answer_prefix",  # "Answer: B", "answer B"
    "letter_token",  # one option letter, standing alone, among the last five words
    "answer_is",  # "the correct answer is **B**"
    "option_text",  # the text of exactly one option appears in the answer
    "refusal",  # the model declined ("Cannot determine the answer", a lone "Z")
    "unmatched",  # nothing above applies: wrong, and shown in the report
    "loglikelihood",  # scored by likelihood: the option whose continuation is most likely
    "loglikelihood_tie",  # several options share the highest likelihood: none is chosen
)

_REFUSALS = (
    "Sorry, I can't help with images of people yet.",
    "I can't process this file.",
    "I'm sorry, but without the image provided",
    "Cannot determine the answer",
)
_SEPARATORS = re.compile(r"[.()\[\],:;!*#{}]")
_ANSWER_IS = re.compile(
    r"(?i:(?:correct\s+)?answer\s+is)\s+[*(\[]*"
    r"(?:([A-Z])[*)\]]*(?![A-Za-z])|([a-z])[*)\]]*(?=[\s.!*]*$))"
)


@dataclass(frozen=True)
class ChoiceExtraction:
    """The option letter read from an answer (None when none was), and the rule that read it."""

    letter: str | None
    rule: str

    @property
    def matched(self) -> bool:
        """Whether a rule found one of the options."""
        return self.letter is not None


def _letter_form(text: str, letter: str) -> str:
    """Name the surface form in which a lone letter was found."""
    if _SEPARATORS.sub(" ", text).strip() == letter:
        return "exact_letter"
    if re.search(rf"[(\[]\s*{letter}\s*[)\]]", text):
        return "bracketed_letter"
    if re.search(rf"(?i:answer)\s*[:：]?\s*\**{letter}\b", text):
        return "answer_prefix"
    return "letter_token"


def _option_text(text: str, options: Mapping[str, str]) -> str | None:
    """The only option whose text appears in a not-too-long answer (VLMEvalKit's can_infer_text)."""
    lowered = text.lower()
    if len(lowered) > 2 * sum(len(str(option)) for option in options.values()):
        return None
    found = [letter for letter, option in options.items() if str(option).lower() in lowered]
    return found[0] if len(found) == 1 else None


def extract_choice(text: str, options: Mapping[str, str]) -> ChoiceExtraction:
    """Read the chosen option letter from a model's answer, given the question's options."""
    text = str(text)
    if any(refusal in text for refusal in _REFUSALS):
        return ChoiceExtraction(None, "refusal")
    words = _SEPARATORS.sub(" ", text).split()
    present = [letter for letter in options if letter in words]
    if len(present) == 1 and words.index(present[0]) > len(words) - 5:
        return ChoiceExtraction(present[0], _letter_form(text, present[0]))
    if not present and words.count("Z") == 1 and "Z" not in options:
        return ChoiceExtraction(None, "refusal")
    match = _ANSWER_IS.search(text)
    if match:
        letter = (match.group(1) or match.group(2)).upper()
        if letter in options:
            return ChoiceExtraction(letter, "answer_is")
    letter = _option_text(text, options)
    if letter is not None:
        return ChoiceExtraction(letter, "option_text")
    return ChoiceExtraction(None, "unmatched")


def choice_from_loglikelihoods(scores: Mapping[str, float]) -> ChoiceExtraction:
    """The letter whose continuation the model finds most likely; a tie at the top chooses none."""
    if not scores:
        raise ValueError("no option scores to choose from")
    if any(score != score for score in scores.values()):
        raise ValueError(f"an option's log-likelihood is NaN: {dict(scores)}")
    best = max(scores.values())
    top = [letter for letter, score in scores.items() if score == best]
    if len(top) > 1:
        return ChoiceExtraction(None, "loglikelihood_tie")
    return ChoiceExtraction(top[0], "loglikelihood")
