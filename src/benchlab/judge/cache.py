"""A durable SQLite cache of judge and API replies, keyed by the full request.

Paid calls must never be repeated: each reply is committed the moment it arrives, in WAL mode,
so a SIGKILL loses at most the calls still in flight and a rerun makes no duplicate calls.
Keys come from `request_key` (endpoint + body), which never contains headers or API keys.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchlab.errors import ConfigError

__all__ = ["ReplyStore"]


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
            self._conn.commit()
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open judge cache {self.path}: {exc}") from exc
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored reply for `key`, or None."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM replies WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        """Store a reply and commit before returning, so a crash right after keeps it."""
        text = json.dumps(dict(value), ensure_ascii=False, sort_keys=True)
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO replies (key, value, created) VALUES (?, ?, ?)",
                (key, text, time.time()),
            )
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        """Close the connection (the data is already committed)."""
        with self._lock:
            self._conn.close()
