"""A durable SQLite key -> JSON store, with a ledger of what paid entries cost.

Every write commits before returning, in WAL mode, so a SIGKILL loses at most the entries still
being computed and a rerun never pays twice. A paid entry and its cost are committed in one
transaction under a scope (a budget), so the money spent by every process that shares the file
can be summed, and a crash can never keep an entry while losing its cost.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.errors import ConfigError

__all__ = ["CallSpend", "KeyValueStore", "request_key"]

_CHUNK = 500


def request_key(identity: str, payload: Any, salt: str = "") -> str:
    """The cache key of one request: who answers it (`identity`), the full request, a salt.

    Callers pass only what determines the answer (endpoint and body, model fingerprint and
    request fields), never headers or API keys. The JSON field is named `endpoint` so that
    judge caches written before the store was shared stay valid.
    """
    canonical = json.dumps(
        {"endpoint": identity, "payload": payload, "salt": salt},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CallSpend:
    """What one paid call cost, and the budget scope that paid for it."""

    scope: str
    usd: float
    input_tokens: int | None
    output_tokens: int | None


class KeyValueStore:
    """Thread-safe key -> JSON object store in one SQLite file; one commit per write."""

    #: Named in errors ("cannot open response cache ...").
    what = "cache"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS replies ("
                "key TEXT PRIMARY KEY, value TEXT NOT NULL, created REAL NOT NULL)"
            )
            # One row per paid call (not per key: two racing identical calls both cost money).
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS spend ("
                "id INTEGER PRIMARY KEY, key TEXT NOT NULL, scope TEXT NOT NULL, "
                "usd REAL NOT NULL, input_tokens INTEGER, output_tokens INTEGER, "
                "created REAL NOT NULL)"
            )
            self._conn.execute("CREATE INDEX IF NOT EXISTS spend_scope ON spend (scope)")
            self._conn.commit()
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cannot open {self.what} {self.path}: {exc}") from exc
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored object for `key`, or None."""
        return self.get_many([key]).get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Stored objects for those of `keys` that have one."""
        found: dict[str, dict[str, Any]] = {}
        with self._lock:
            for start in range(0, len(keys), _CHUNK):
                chunk = list(keys[start : start + _CHUNK])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, value FROM replies WHERE key IN ({marks})", chunk
                ).fetchall()
                found.update((key, json.loads(value)) for key, value in rows)
        return found

    def put(self, key: str, value: Mapping[str, Any], *, spend: CallSpend | None = None) -> None:
        """Store an object (and what it cost) and commit before returning: a crash keeps both."""
        self.put_many([(key, value)], spend=spend)

    def put_many(
        self, entries: Sequence[tuple[str, Mapping[str, Any]]], *, spend: CallSpend | None = None
    ) -> None:
        """Store several objects in one transaction; `spend` is charged to the first key."""
        now = time.time()
        rows = [
            (k, json.dumps(dict(v), ensure_ascii=False, sort_keys=True), now) for k, v in entries
        ]
        if not rows:
            return
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO replies (key, value, created) VALUES (?, ?, ?)", rows
            )
            if spend is not None:
                self._conn.execute(
                    "INSERT INTO spend (key, scope, usd, input_tokens, output_tokens, created) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        rows[0][0],
                        spend.scope,
                        spend.usd,
                        spend.input_tokens,
                        spend.output_tokens,
                        now,
                    ),
                )

    def spent_usd(self, scope: str) -> float:
        """Dollars recorded under `scope` by every process that ever wrote to this file."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COALESCE(SUM(usd), 0) FROM spend WHERE scope = ?", (scope,)
            ).fetchone()
        return float(row[0])

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        """Close the connection (the data is already committed)."""
        with self._lock:
            self._conn.close()
