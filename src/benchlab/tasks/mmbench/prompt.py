"""The MMBench question text as VLMEvalKit asks it, so scores are comparable with its tables."""

from __future__ import annotations

from benchlab.tasks.mmbench.tsv import ChoiceQuestion

__all__ = ["MMBENCH_INSTRUCTION", "mmbench_prompt"]

MMBENCH_INSTRUCTION = "Please select the correct answer from the options above. \n"


def mmbench_prompt(question: ChoiceQuestion, *, instruction: str = MMBENCH_INSTRUCTION) -> str:
    """'Hint: ...' (if any), 'Question: ...', 'Options:' one per line, then the instruction."""
    parts = [f"Hint: {question.hint}\n"] if question.hint else []
    parts.append(f"Question: {question.question}\n")
    if question.options:
        parts.append("Options:\n")
        parts.extend(f"{letter}. {text}\n" for letter, text in question.options.items())
        parts.append(instruction)
    return "".join(parts)
