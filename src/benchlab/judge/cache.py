"""The judge's durable cache of judge and API replies, with what each paid call cost.

Paid calls must never be repeated: `benchlab.store.KeyValueStore` commits each reply the moment
it arrives, and commits its cost in the same transaction under a budget scope (see
`benchlab.judge.budget`). Keys come from `benchlab.store.request_key` (endpoint + body), which
never contains headers or API keys.
"""

from __future__ import annotations

from benchlab.store import CallSpend, KeyValueStore

__all__ = ["CallSpend", "ReplyStore"]


class ReplyStore(KeyValueStore):
    """The shared key-value store, named as the judge cache in its errors."""

    what = "judge cache"
