"""A cache of backend answers in the shared SQLite store, keyed by fingerprint and request.

A resumed or repeated run asks the model only what it has not answered before. The key is the
hash of the fingerprint (weights, revision, dtype, max length, adapter) and every request
field, so a changed prompt, stop sequence or seed is a miss, never a stale hit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchlab.requests import (
    ClassificationRequest,
    ClassificationResult,
    EmbeddingRequest,
    EmbeddingResult,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    request_fields,
)
from benchlab.store import KeyValueStore, request_key

__all__ = ["ResponseCache", "bypass_cache", "response_key"]

_RESULT_TYPES: dict[type, type] = {
    LoglikelihoodRequest: LoglikelihoodResult,
    GenerationRequest: GenerationResult,
    ClassificationRequest: ClassificationResult,
    EmbeddingRequest: EmbeddingResult,
}


def response_key(fingerprint: str, request: Any) -> str:
    """The store key of a request to a model: its fingerprint, the request type and fields."""
    return request_key(
        fingerprint, {"type": type(request).__name__, "fields": request_fields(request)}
    )


def _decode(result_type: type, fields: dict[str, Any]) -> Any:
    return result_type(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


class ResponseCache:
    """Answers kept in the shared SQLite store; safe to share between backends and runs."""

    def __init__(self, path: str | Path) -> None:
        self.store = _ResponseStore(path)
        self.path = self.store.path
        self.hits = 0
        self.misses = 0

    def answer(
        self,
        fingerprint: str,
        requests: Sequence[Any],
        compute: Callable[[Sequence[Any]], list[Any]],
    ) -> list[Any]:
        """Answers for all requests, calling `compute` only on those not cached yet."""
        keys = [response_key(fingerprint, r) for r in requests]
        stored = self.store.get_many(keys)
        missing = [i for i, key in enumerate(keys) if key not in stored]
        self.hits += len(requests) - len(missing)
        self.misses += len(missing)
        fresh = compute([requests[i] for i in missing]) if missing else []
        self.store.put_many(
            [(keys[i], dataclasses.asdict(r)) for i, r in zip(missing, fresh, strict=True)]
        )
        answers: list[Any] = []
        computed = dict(zip(missing, fresh, strict=True))
        for i, request in enumerate(requests):
            if i in computed:
                answers.append(computed[i])
            else:
                answers.append(_decode(_RESULT_TYPES[type(request)], stored[keys[i]]))
        return answers

    def close(self) -> None:
        """Close the database connection."""
        self.store.close()


class _ResponseStore(KeyValueStore):
    what = "response cache"


@contextmanager
def bypass_cache(backend: Any) -> Iterator[Any]:
    """Run a block with the backend's cache switched off (e.g. to time the model itself)."""
    saved = getattr(backend, "cache", None)
    if saved is not None:
        backend.cache = None
    try:
        yield backend
    finally:
        if saved is not None:
            backend.cache = saved
