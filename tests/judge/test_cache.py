"""The reply store: durable per write, WAL mode, safe across threads, and its spend ledger."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlab.judge.cache import CallSpend, ReplyStore


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
        "from benchlab.judge.cache import CallSpend, ReplyStore\n"
        f"s = ReplyStore({str(path)!r})\n"
        "s.put('paid', {'text': '[[B]]'})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], check=False)
    assert result.returncode != 0
    assert ReplyStore(path).get("paid") == {"text": "[[B]]"}


def test_spend_is_summed_per_scope_and_per_call(tmp_path: Path) -> None:
    store = ReplyStore(tmp_path / "cache.sqlite")
    store.put("k1", {"text": "[[A]]"}, spend=CallSpend("study-1", 0.25, 100, 5))
    store.put(
        "k1", {"text": "[[A]]"}, spend=CallSpend("study-1", 0.25, 100, 5)
    )  # a race: paid twice
    store.put("k2", {"text": "[[B]]"}, spend=CallSpend("study-2", 1.0, 400, 5))
    store.put("k3", {"text": "free"})  # a local judge: cached, costs nothing
    assert store.spent_usd("study-1") == 0.5
    assert store.spent_usd("study-2") == 1.0
    assert store.spent_usd("study-3") == 0.0
    assert len(store) == 3
