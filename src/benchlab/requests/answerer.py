"""What evaluation needs from a backend, as a Protocol, so tasks never import backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["Answerer"]


@runtime_checkable
class Answerer(Protocol):
    """Answers a list of mixed requests, one answer per request in the same order."""

    def answer(self, requests: Sequence[Any]) -> list[Any]:
        """Answers matched to `requests`; an unserved type raises UnsupportedRequestError."""
