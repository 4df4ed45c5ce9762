"""The reply store: durable per write, WAL mode, safe across threads and reopening."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlab.judge.cache import ReplyStore


def test_put_get_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c" / "cache.sqlite"
    store = ReplyStore(path)
    assert store.get("k") is None
    store.put("k", {"text": "[[A]]", "prompt_tokens": 3})
    assert store.get("k") == {"text": "[[A]]", "prompt_tokens": 3}
    store.close()
    again = ReplyStore(path)
    assert again.get("k")["text"] == "[[A]]"
    assert len(again) == 1
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_concurrent_writers(tmp_path: Path) -> None:
    store = ReplyStore(tmp_path / "cache.sqlite")
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: store.put(f"k{i}", {"text": str(i)}), range(200)))
    assert len(store) == 200
    assert store.get("k150") == {"text": "150"}


def test_write_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    code = (
        "import os, signal\n"
        "from benchlab.judge.cache import ReplyStore\n"
        f"s = ReplyStore({str(path)!r})\n"
        "s.put('paid', {'text': '[[B]]'})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False)
    assert result.returncode != 0
    assert ReplyStore(path).get("paid") == {"text": "[[B]]"}
