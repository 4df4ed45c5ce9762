"""The one SQLite store behind the response cache and the judge cache, and its one key function."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from benchlab.backends.cache import ResponseCache, response_key
from benchlab.judge.cache import ReplyStore
from benchlab.requests import LoglikelihoodRequest, LoglikelihoodResult
from benchlab.store import CallSpend, KeyValueStore, request_key


def test_request_key_is_a_hash_of_canonical_json() -> None:
    payload = {"b": [1, 2], "a": "é"}
    expected = hashlib.sha256(
        json.dumps(
            {"endpoint": "e", "payload": {"a": "é", "b": [1, 2]}, "salt": ""},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
    ).hexdigest()
    assert (
        request_key("e", payload) == expected == request_key("e", dict(reversed(payload.items())))
    )
    assert (
        len({request_key("e", payload), request_key("f", payload), request_key("e", payload, "1")})
        == 3
    )


def test_response_keys_come_from_the_same_function() -> None:
    request = LoglikelihoodRequest("Q:", " A")
    fields = {"context": "Q:", "continuation": " A"}
    assert response_key("m", request) == request_key(
        "m", {"type": "LoglikelihoodRequest", "fields": fields}
    )


def test_both_caches_share_one_file_and_the_ledger_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    responses = ResponseCache(path)
    request = LoglikelihoodRequest("Q:", " A")
    result = LoglikelihoodResult(-1.5, True, 1)
    assert responses.answer("m", [request], lambda batch: [result]) == [result]
    replies = ReplyStore(path)
    replies.put("judge-key", {"text": "[[A]]"}, spend=CallSpend("study", 0.25, 10, 5))
    replies.put("judge-key-2", {"text": "[[B]]"}, spend=CallSpend("study", 0.5, None, None))
    responses.close()
    replies.close()

    reopened = KeyValueStore(path)
    assert len(reopened) == 3
    assert reopened.get("judge-key") == {"text": "[[A]]"}
    assert reopened.spent_usd("study") == 0.75 and reopened.spent_usd("other") == 0.0
    warm = ResponseCache(path)
    assert warm.answer("m", [request], lambda batch: 1 / 0) == [result]
    assert (warm.hits, warm.misses) == (1, 0)


def test_put_many_commits_entries_and_cost_together(tmp_path: Path) -> None:
    store = KeyValueStore(tmp_path / "s.sqlite")
    store.put_many([("a", {"v": 1}), ("b", {"v": 2})], spend=CallSpend("s", 1.0, 1, 1))
    assert store.get_many(["a", "b", "c"]) == {"a": {"v": 1}, "b": {"v": 2}}
    assert store.spent_usd("s") == 1.0
    store.put_many([])
    assert len(store) == 2
