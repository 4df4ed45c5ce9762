"""Prompt styles for multiple-choice items, written as lm-evaluation-harness writes them.

Log-likelihood styles give a context and one continuation per choice (" " + choice text, or
" " + letter); generation always lists lettered choices, and asks for the letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from benchlab.tasks.mc_formats import ChoiceItem

__all__ = [
    "LETTERS",
    "PromptStyle",
    "choice_continuations",
    "choice_targets",
    "generation_prompt",
    "item_text",
    "loglikelihood_context",
    "shot_block",
]

LETTERS = "ABCDEFGHIJ"

#: question_answer: "Question: q\nAnswer:" + " choice" (lm-eval ARC, PIQA-like tasks);
#: stem: "q" + " choice" (lm-eval OpenBookQA); support: sciq's "support\nQuestion: q\nAnswer:";
#: letters: MMLU's "q\nA. ..\nB. ..\nAnswer:" + " A"; gpqa: "(A) .." listing + " (A)".
PromptStyle = Literal["question_answer", "stem", "support", "letters", "gpqa"]

_COT_CUE = "Let's think step by step."


def _lettered(item: ChoiceItem, paren: bool = False) -> str:
    lines = [
        f"({LETTERS[i]}) {choice}" if paren else f"{LETTERS[i]}. {choice}"
        for i, choice in enumerate(item.choices)
    ]
    return "\n".join(lines)


def loglikelihood_context(item: ChoiceItem, style: PromptStyle) -> str:
    """The text scored choices continue, without demonstrations or description."""
    if style == "question_answer":
        return f"Question: {item.question}\nAnswer:"
    if style == "stem":
        return item.question
    if style == "support":
        return f"{(item.support or '').lstrip()}\nQuestion: {item.question}\nAnswer:"
    if style == "gpqa":
        return (
            f"What is the correct answer to this question:{item.question}\nChoices:\n"
            f"{_lettered(item, paren=True)}\nAnswer:"
        )
    return f"{item.question.strip()}\n{_lettered(item)}\nAnswer:"


def choice_targets(item: ChoiceItem, style: PromptStyle) -> list[str]:
    """What each choice is called after the context (no leading space): text or letter."""
    n = len(item.choices)
    if style == "letters":
        return list(LETTERS[:n])
    if style == "gpqa":
        return [f"({LETTERS[i]})" for i in range(n)]
    return list(item.choices)


def choice_continuations(item: ChoiceItem, style: PromptStyle) -> list[str]:
    """The scored continuations: lm-eval's target delimiter " " before each choice target."""
    return [f" {target}" for target in choice_targets(item, style)]


def shot_block(shots: Sequence[ChoiceItem], style: PromptStyle) -> str:
    """Demonstrations as lm-eval joins them: context + " " + gold target, each + "\\n\\n"."""
    return "".join(
        f"{loglikelihood_context(s, style)} {choice_targets(s, style)[s.gold]}\n\n" for s in shots
    )


def generation_prompt(
    item: ChoiceItem, shots: Sequence[ChoiceItem], *, chain_of_thought: bool
) -> str:
    """Lettered choices and an "Answer:" cue; with chain of thought, a step-by-step cue."""
    demos = "".join(f"{item_text(s)}\nAnswer: {LETTERS[s.gold]}\n\n" for s in shots)
    cue = f"Answer: {_COT_CUE}" if chain_of_thought else "Answer:"
    return f"{demos}{item_text(item)}\n{cue}"


def item_text(item: ChoiceItem) -> str:
    """The question with its lettered choices (and sciq's support passage when present)."""
    support = f"{item.support.strip()}\n" if item.support else ""
    return f"{support}Question: {item.question.strip()}\n{_lettered(item)}"
