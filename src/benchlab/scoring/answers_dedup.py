"""Distinct solutions for distillation: drop samples that repeat the same text or the same maths.

Keeping several correct samples per item only helps if they differ. Two keys are offered:

- `text`: the solution with Unicode NFKC, case folding and runs of whitespace collapsed, so
  a sample that differs only by spacing or capitals is a duplicate.
- `equations`: the ordered list of equations the solution computes, as rejection-sampling
  fine-tuning does (Yuan et al. 2023, "Scaling Relationship on Learning Mathematical Reasoning
  with Large Language Models", sec. 3.2): two reasoning paths that perform the same
  calculations in the same order are one path however they are worded. Equations are taken
  from GSM8K calculator annotations (``<<48/2=24>>``) when the solution has any, otherwise
  from written ``a op b = c`` chains. A solution with no equation at all falls back to its text
  key, so equation-free solutions are never merged with one another wholesale.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence
from typing import Literal

__all__ = [
    "DedupKey",
    "distinct_indices",
    "equation_sequence",
    "normalize_solution_text",
    "solution_key",
]

DedupKey = Literal["text", "equations"]

_ANNOTATION = re.compile(r"<<([^<>]*=[^<>]*)>>")
_NUMBER = r"\$?-?\d[\d,]*(?:\.\d+)?%?"
_OPERAND = rf"\(*\s*{_NUMBER}\s*\)*"
_EQUATION = re.compile(
    rf"(?<![\w.])({_OPERAND}(?:\s*[-+*/×x÷]\s*{_OPERAND})+)\s*=\s*({_NUMBER})(?![\w])"
)
_OPERATORS = str.maketrans({"×": "*", "x": "*", "÷": "/"})


def normalize_solution_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: the `text` dedup key."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _clean(equation: str) -> str:
    """One spelling per equation: no spaces, dollar signs or thousands commas; '*' and '/'."""
    compact = re.sub(r"[\s$]", "", unicodedata.normalize("NFKC", equation))
    compact = re.sub(r"(?<=\d),(?=\d{3})", "", compact)
    return compact.translate(_OPERATORS).rstrip(".")


def equation_sequence(text: str) -> tuple[str, ...]:
    """The equations a solution computes, in order (calculator annotations take precedence)."""
    annotated = _ANNOTATION.findall(text)
    if annotated:
        return tuple(_clean(equation) for equation in annotated)
    return tuple(_clean(f"{left}={right}") for left, right in _EQUATION.findall(text))


def solution_key(text: str, by: DedupKey = "text") -> Hashable:
    """The key two solutions share exactly when they count as duplicates."""
    if by == "text":
        return ("text", normalize_solution_text(text))
    if by == "equations":
        equations = equation_sequence(text)
        return ("equations", equations) if equations else solution_key(text, "text")
    raise ValueError(f"unknown dedup key {by!r}; use 'text' or 'equations'")


def distinct_indices(
    solutions: Sequence[str], *, by: DedupKey = "text", limit: int | None = None
) -> list[int]:
    """Indices of the first solution of each distinct key, in input order, at most `limit`."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    seen: set[Hashable] = set()
    kept: list[int] = []
    for index, solution in enumerate(solutions):
        key = solution_key(solution, by)
        if key in seen:
            continue
        seen.add(key)
        kept.append(index)
        if limit is not None and len(kept) == limit:
            break
    return kept
