"""Staged reasoning traces (LLaVA-CoT): <SUMMARY>, <CAPTION>, <REASONING>, <CONCLUSION>.

Rules, tolerant of form and strict on structure:

- Tags match whatever their case and inner whitespace (`< conclusion >`, `</Caption >`).
- A trace is **well formed** (`valid`) when each of the four stages appears exactly once, in the
  order above, opened and closed, with no stage tag inside another, and the CONCLUSION is not
  empty. Text before, between or after the stages is allowed and ignored.
- The **answer** is the CONCLUSION's content, whitespace stripped, whenever the CONCLUSION is
  usable: it appears once, is closed, and neither holds nor sits inside another stage tag. This
  holds even when another stage is malformed (that is recorded by `valid` and `problem`).
  A trace without a usable CONCLUSION (missing, truncated before `</CONCLUSION>`, duplicated,
  nested) answers "" so it scores as wrong; the whole text is never used as a fallback, since a
  letter or number found in the reasoning is not the model's committed answer.
- `problem` names the first thing wrong, in this order: tag structure in text order (nested
  tags, duplicate stage, stray closing tag), an unclosed stage, a missing stage, the stage
  order, an empty CONCLUSION.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STAGES", "Trace", "parse_trace", "trace_summary", "untagged"]

#: The four stages, in the order a well-formed trace gives them.
STAGES: tuple[str, ...] = ("SUMMARY", "CAPTION", "REASONING", "CONCLUSION")

_TAG = re.compile(r"<\s*(/)?\s*(summary|caption|reasoning|conclusion)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Trace:
    """A parsed trace: well-formedness, the extracted answer, each stage's text, what is wrong."""

    valid: bool
    answer: str
    stages: dict[str, str] = field(default_factory=dict)
    problem: str | None = None

    @property
    def stage_words(self) -> dict[str, int]:
        """Words per stage that was parsed (opened, closed, not nested), in stage order."""
        return {name: len(text.split()) for name, text in self.stages.items()}


@dataclass
class _Block:
    name: str
    start: int  # end of the opening tag
    nested: bool = False
    content: str | None = None  # set when closed


def _walk(text: str) -> tuple[list[_Block], list[str]]:
    """Every opened stage block in text order, and the structural problems met on the way."""
    blocks: list[_Block] = []
    stack: list[_Block] = []
    problems: list[str] = []
    for match in _TAG.finditer(text):
        closing, name = match.group(1) is not None, match.group(2).upper()
        if not closing:
            if stack:
                problems.append("nested tags")
                for outer in stack:
                    outer.nested = True
            if any(b.name == name for b in blocks):
                problems.append(f"duplicate {name}")
            block = _Block(name, match.end(), nested=bool(stack))
            blocks.append(block)
            stack.append(block)
        elif stack and stack[-1].name == name:
            block = stack.pop()
            block.content = text[block.start : match.start()]
        elif any(b.name == name for b in stack):
            problems.append("nested tags")
            while stack[-1].name != name:
                stack.pop().nested = True
            block = stack.pop()
            block.nested = True
            block.content = text[block.start : match.start()]
        else:
            problems.append(f"stray </{name}>")
    problems.extend(f"unclosed {b.name}" for b in stack)
    return blocks, problems


def untagged(text: str) -> str:
    """The text with every stage tag replaced by a space (for word counts of tagged answers)."""
    return _TAG.sub(" ", text)


def _order_problem(names: list[str]) -> str | None:
    """'X before Y' for the first stage that comes ahead of one it should follow."""
    for at, name in enumerate(names):
        for later in names[at + 1 :]:
            if STAGES.index(later) < STAGES.index(name):
                return f"{name} before {later}"
    return None


def parse_trace(text: str) -> Trace:
    """Parse a model output into its four stages and the CONCLUSION answer (module rules)."""
    blocks, problems = _walk(text)
    counts = {name: sum(b.name == name for b in blocks) for name in STAGES}
    problems.extend(f"missing {name}" for name in STAGES if counts[name] == 0)
    first_seen = list(dict.fromkeys(b.name for b in blocks))
    order = _order_problem(first_seen)
    if order is not None:
        problems.append(order)
    clean = {
        b.name: b.content.strip()
        for b in reversed(blocks)  # the first occurrence wins
        if b.content is not None and not b.nested
    }
    stages = {name: clean[name] for name in STAGES if name in clean}
    answer = stages.get("CONCLUSION", "") if counts["CONCLUSION"] == 1 else ""
    if not problems and not answer:
        problems.append("empty CONCLUSION")
    return Trace(not problems, answer, stages, problems[0] if problems else None)


def _stage_stats(lengths: list[int]) -> dict[str, Any]:
    if not lengths:
        return {"n": 0, "mean": None, "median": None}
    return {
        "n": len(lengths),
        "mean": statistics.fmean(lengths),
        "median": float(statistics.median(lengths)),
    }


def trace_summary(traces: Iterable[Trace]) -> dict[str, Any]:
    """Share of well-formed traces and mean / median words per stage (over traces that have it)."""
    traces = list(traces)
    n = len(traces)
    lengths: dict[str, list[int]] = {name: [] for name in STAGES}
    for trace in traces:
        for name, words in trace.stage_words.items():
            lengths[name].append(words)
    return {
        "n": n,
        "well_formed": sum(t.valid for t in traces),
        "well_formed_share": sum(t.valid for t in traces) / n if n else None,
        "stage_words": {name: _stage_stats(lengths[name]) for name in STAGES},
    }
