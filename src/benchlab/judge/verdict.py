"""Read a judge's verdict from its free text; what cannot be read is recorded as unparseable.

Judges are asked to end with `[[A]]`, `[[B]]` or `[[C]]` (tie), FastChat's format; they also
write `[[A>>B]]` (Arena-Hard), `[[tie]]`, "Final verdict: B", "Verdict: a tie" or "Output (a)"
(AlpacaEval). Judges often restate the format ("[[A]] if A is better, [[B]] if B is better")
before answering, so a token that is explained by the words after it, or listed next to a
different token, is a mention of the format and not a verdict. Among the remaining tokens:

- all agree: that is the verdict;
- they disagree: the last one wins only when it is clearly final (nothing but punctuation
  after it, or "final verdict"/"overall"/... just before it); otherwise the reply is
  unparseable, because picking one would be a guess.

An unreadable reply is never turned into an outcome; `Verdict.reason` says why it was unreadable,
and a reply cut off at `max_tokens` (finish_reason "length") without a verdict is "truncated",
which tells the user to raise `judge.max_tokens` rather than distrust the judge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["UnparseableReason", "Verdict", "VerdictLabel", "parse_verdict"]

VerdictLabel = Literal["A", "B", "tie"]
UnparseableReason = Literal["no_verdict", "restated_format", "conflicting", "truncated"]

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
    "b<<a": "A",
    "b>a": "B",
    "b>>a": "B",
    "a<b": "B",
    "a<<b": "B",
}
# Prose fallbacks take capital letters only, so "the verdict is a close call" reads as nothing;
# "a tie" is tried before the letter so that "Verdict: A tie" is a tie, not A.
_PROSE_VERDICT = re.compile(
    r"(?i:final\s+verdict|verdict|winner|better\s+(?:answer|response))\s*(?i:is)?\s*"
    r"[:=]?\s*\**\s*(?:(?i:assistant|response|answer)\s+)?\[?\(?\s*"
    r"((?i:(?:an?\s+)?(?:tie|draw))|[ABC])\b"
)
_ALPACA_OUTPUT = re.compile(r"(?i:output)\s*\(\s*([abAB])\s*\)")
_PROSE_LABELS: dict[str, VerdictLabel] = {
    "a": "A",
    "b": "B",
    "c": "tie",
    "tie": "tie",
    "draw": "tie",
}

# Words right after a token that explain it: the judge is quoting the format, not answering.
_EXPLAINED = re.compile(
    r"[\s\"'`*]*(?:if|when|means|denotes|indicates|signifies|stands\s+for|in\s+case"
    r"|for\s+(?:a\s+)?(?:tie|draw)s?)\b",
    re.IGNORECASE,
)
# Text between two tokens that only lists them: `"[[A]]", "[[B]]" or "[[C]]"`.
_CONNECTOR = re.compile(
    r"[\s\"'`*,;/|()\-]*(?:(?:and\s*/\s*)?or|and|vs\.?|versus)?[\s\"'`*,;/|()\-]*",
    re.IGNORECASE,
)
# Words that mark the verdict the judge settles on.
_FINAL_CUE = re.compile(
    r"final|verdict|overall|in\s+conclusion|therefore|in\s+summary", re.IGNORECASE
)
# A token in a sentence that gives an example ("Example output: [[A=B]]") is not a verdict.
_EXAMPLE = re.compile(r"\bexample\b|\be\.g\.", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<!e\.g)(?<!i\.e)[.!?;]\s|\n")
_LIST_LINE_MAX = 160


@dataclass(frozen=True)
class Verdict:
    """A parsed verdict; `label` is None when the text holds none, and `reason` says why."""

    label: VerdictLabel | None
    matched: str | None = None
    reason: UnparseableReason | None = None

    @property
    def parsed(self) -> bool:
        """True when the judge's text gave a readable verdict."""
        return self.label is not None


@dataclass(frozen=True)
class _Token:
    label: VerdictLabel
    key: str
    start: int
    end: int
    text: str


def _bracket_tokens(text: str) -> list[_Token]:
    tokens = []
    for m in _BRACKETED.finditer(text):
        key = "".join(m.group(1).lower().split())
        if key in _BRACKET_LABELS:
            tokens.append(_Token(_BRACKET_LABELS[key], key, m.start(), m.end(), m.group(0)))
    return tokens


def _prose_tokens(text: str) -> list[_Token]:
    tokens = []
    for pattern in (_PROSE_VERDICT, _ALPACA_OUTPUT):
        for m in pattern.finditer(text):
            word = m.group(1).lower().split()[-1]
            tokens.append(_Token(_PROSE_LABELS[word], word, m.start(), m.end(), m.group(0)))
    return sorted(tokens, key=lambda t: t.start)


def _ends_line(text: str, token: _Token) -> bool:
    rest = text[token.end :].split("\n", 1)[0]
    return not any(ch.isalnum() for ch in rest)


def _listed_together(text: str, first: _Token, second: _Token) -> bool:
    """Two different tokens that a format description lists side by side."""
    if first.key == second.key:
        return False
    gap = text[first.end : second.start]
    if _CONNECTOR.fullmatch(gap):
        return True
    if _FINAL_CUE.search(gap):
        return False
    if _EXPLAINED.match(gap) and not _SENTENCE_BREAK.search(gap):
        return True  # "[[A]] if A is better, [[B]] ..."
    # One option per line, as Arena-Hard's prompt lists its five labels.
    return (
        gap.count("\n") == 1
        and len(gap) <= _LIST_LINE_MAX
        and _ends_line(text, first)
        and _ends_line(text, second)
    )


def _sentence_before(text: str, token: _Token, since: int) -> str:
    """The text from the last sentence break (after `since`) up to `token`."""
    lead = text[since : token.start]
    breaks = list(_SENTENCE_BREAK.finditer(lead))
    return lead[breaks[-1].end() :] if breaks else lead


def _mentions(text: str, tokens: Sequence[_Token]) -> set[int]:
    """Indices of tokens that quote the answer format rather than give a verdict."""
    mentioned = {
        i
        for i, t in enumerate(tokens)
        if _EXPLAINED.match(text, t.end) or _EXAMPLE.search(_sentence_before(text, t, 0))
    }
    for i in range(len(tokens) - 1):
        if _listed_together(text, tokens[i], tokens[i + 1]):
            mentioned.update((i, i + 1))
    return mentioned


def _clearly_final(text: str, tokens: Sequence[_Token], last: int) -> bool:
    token = tokens[last]
    if not any(ch.isalnum() for ch in text[token.end :]):
        return True
    since = tokens[last - 1].end if last > 0 else 0
    return bool(_FINAL_CUE.search(_sentence_before(text, token, since)))


def _resolve(text: str, tokens: Sequence[_Token]) -> Verdict:
    """The verdict among `tokens` (see the module docstring); never a guess."""
    if not tokens:
        return Verdict(None, reason="no_verdict")
    mentioned = _mentions(text, tokens)
    verdicts = [i for i in range(len(tokens)) if i not in mentioned]
    if not verdicts:
        return Verdict(None, reason="restated_format")
    last = verdicts[-1]
    agree = len({tokens[i].label for i in verdicts}) == 1
    if agree or _clearly_final(text, tokens, last):
        return Verdict(tokens[last].label, tokens[last].text)
    return Verdict(None, reason="conflicting")


def parse_verdict(text: str, finish_reason: str | None = None) -> Verdict:
    """The judge's verdict in `text`, else an unparseable Verdict with its reason.

    Bracketed tokens take precedence over prose. `finish_reason` is the endpoint's (OpenAI's
    "length" means the reply hit `max_tokens`).
    """
    verdict = _resolve(text, _bracket_tokens(text))
    if verdict.reason in ("no_verdict", "restated_format"):  # conflicting tokens stay so
        prose = _resolve(text, _prose_tokens(text))
        if prose.label is not None or verdict.reason == "no_verdict":
            verdict = prose
    if verdict.label is None and finish_reason == "length":
        return Verdict(None, reason="truncated")
    return verdict
