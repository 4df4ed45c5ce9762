"""An answer to one of the study's questions: generated paragraphs and an optional table."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Answer"]


@dataclass(frozen=True)
class Answer:
    """One question with its generated paragraphs and an optional small table."""

    question: str
    paragraphs: list[str]
    table: list[dict[str, str]] = field(default_factory=list)
