"""A SQLite cache of backend answers, keyed by model fingerprint and the exact request.

A resumed or repeated run asks the model only what it has not answered before. The key is the
hash of the fingerprint (weights, revision, dtype, max length, adapter) and every request
field, so a changed prompt, stop sequence or seed is a miss, never a stale hit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchlab.requests import (
    ClassificationRequest,
    ClassificationResult,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    request_fields,
)

__all__ = ["ResponseCache", "bypass_cache", "request_key"]

_RESULT_TYPES: dict[type, type] = {
    LoglikelihoodRequest: LoglikelihoodResult,
    GenerationRequest: GenerationResult,
    ClassificationRequest: ClassificationResult,
}


def request_key(fingerprint: str, request: Any) -> str:
    """A stable hash of the model identity, the request type and all its fields."""
    payload = [fingerprint, type(request).__name__, request_fields(request)]
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _decode(result_type: type, text: str) -> Any:
    fields = json.loads(text)
    return result_type(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


class ResponseCache:
    """Answers stored in one SQLite file; safe to share between backends and runs."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(self.path, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, kind TEXT, value TEXT)"
        )
        self._connection.commit()
        self.hits = 0
        self.misses = 0

    def get(self, keys: Sequence[str]) -> dict[str, str]:
        """Stored answers (as JSON text) for those keys that have one."""
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._connection.execute(
                    f"SELECT key, value FROM responses WHERE key IN ({marks})", chunk
                )
                found.update(dict(rows.fetchall()))
        return found

    def put(self, entries: Sequence[tuple[str, str, Any]]) -> None:
        """Store (key, kind, result) triples."""
        rows = [(k, kind, json.dumps(dataclasses.asdict(r))) for k, kind, r in entries]
        with self._lock:
            self._connection.executemany(
                "INSERT OR REPLACE INTO responses (key, kind, value) VALUES (?, ?, ?)", rows
            )
            self._connection.commit()

    def answer(
        self,
        fingerprint: str,
        requests: Sequence[Any],
        compute: Callable[[Sequence[Any]], list[Any]],
    ) -> list[Any]:
        """Answers for all requests, calling `compute` only on those not cached yet."""
        keys = [request_key(fingerprint, r) for r in requests]
        stored = self.get(keys)
        missing = [i for i, key in enumerate(keys) if key not in stored]
        self.hits += len(requests) - len(missing)
        self.misses += len(missing)
        fresh = compute([requests[i] for i in missing]) if missing else []
        self.put(
            [(keys[i], type(requests[i]).__name__, r) for i, r in zip(missing, fresh, strict=True)]
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
        with self._lock:
            self._connection.close()


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
