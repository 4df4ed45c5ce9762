"""A durable SQLite cache of judge and API replies, keyed by the full request, with their cost.

Paid calls must never be repeated: each reply is committed the moment it arrives, in WAL mode,
so a SIGKILL loses at most the calls still in flight and a rerun makes no duplicate calls.
Keys come from `request_key` (endpoint + body), which never contains headers or API keys.

The cache is also the spend ledger: a paid reply and what it cost are committed in one
transaction, under a budget scope (see `benchlab.judge.budget`), so the money spent by every
experiment and every rerun that shares this file can be summed, and a crash can never keep a
reply while losing its cost.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.errors import ConfigError

__all__ = ["CallSpend", "ReplyStore"]


@dataclass(frozen=True)
class CallSpend:
    """What one paid call cost, and the budget scope that paid for it."""

    scope: str
    usd: float
    input_tokens: int | None
    output_tokens: int | None


class ReplyStore:
    """Thread-safe key -> JSON reply store; one SQLite file, one commit per write."""

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
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open judge cache {self.path}: {exc}") from exc
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored reply for `key`, or None."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Mapping[str, Any], *, spend: CallSpend | None = None) -> None:
        """Store a reply (and what it cost) and commit before returning: a crash keeps both."""
        text = json.dumps(dict(value), ensure_ascii=False, sort_keys=True)
        now = time.time()
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO replies (key, value, created) VALUES (?, ?, ?)",
                (key, text, now),
            )
            if spend is not None:
                self._conn.execute(
                    "INSERT INTO spend (key, scope, usd, input_tokens, output_tokens, created) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (key, spend.scope, spend.usd, spend.input_tokens, spend.output_tokens, now),
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
