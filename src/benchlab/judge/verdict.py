"""Read a judge's verdict from its free text; what cannot be read is recorded as unparseable.

Judges are asked to end with `[[A]]`, `[[B]]` or `[[C]]` (tie), FastChat's format; they also
write `[[A>B]]` (Arena-Hard), `[[tie]]`, "Final verdict: B" or "Output (a)" (AlpacaEval).
When a judge restates the instructions before answering, the last verdict in the text wins.
An unreadable reply is never turned into a random outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Verdict", "VerdictLabel", "parse_verdict"]

VerdictLabel = Literal["A", "B", "tie"]

_BRACKETED = re.compile(r"\[\[\s*([^\[\]]{1,12}?)\s*\]\]")
_BRACKET_LABELS: dict[str, VerdictLabel] = {
    "a": "A",
    "b": "B",
    "c": "tie",
    "tie": "tie",
    "a=b": "tie",
    "b=a": "tie",
    "a>b": "A",
    "a>>b": "A",
    "b<a": "A",
    "b>a": "B",
    "b>>a": "B",
    "a<b": "B",
}
# Prose fallbacks take capital letters only, so "the verdict is a close call" reads as nothing.
_FALLBACKS: tuple[tuple[re.Pattern[str], dict[str, VerdictLabel]], ...] = (
    (
        re.compile(
            r"(?i:final\s+verdict|verdict|winner|better\s+(?:answer|response))\s*(?i:is)?\s*"
            r"[:=]?\s*\**\s*(?:(?i:assistant|response|answer)\s+)?\[?\(?\s*([ABC]|(?i:tie))\b"
        ),
        {"a": "A", "b": "B", "c": "tie", "tie": "tie"},
    ),
    (re.compile(r"(?i:output)\s*\(\s*([abAB])\s*\)"), {"a": "A", "b": "B"}),
)


@dataclass(frozen=True)
class Verdict:
    """A parsed verdict: `label` is None when the text holds no readable verdict."""

    label: VerdictLabel | None
    matched: str | None = None

    @property
    def parsed(self) -> bool:
        """True when the judge's text gave a readable verdict."""
        return self.label is not None


def _bracket_key(match: re.Match[str]) -> str:
    return "".join(match.group(1).lower().split())


def parse_verdict(text: str) -> Verdict:
    """The last verdict in `text` in any of the supported forms, else an unparseable Verdict."""
    bracketed = [m for m in _BRACKETED.finditer(text) if _bracket_key(m) in _BRACKET_LABELS]
    if bracketed:
        last = bracketed[-1]
        return Verdict(_BRACKET_LABELS[_bracket_key(last)], last.group(0))
    for pattern, labels in _FALLBACKS:
        matches = list(pattern.finditer(text))
        if matches:
            last = matches[-1]
            return Verdict(labels[last.group(1).lower()], last.group(0))
    return Verdict(None)
