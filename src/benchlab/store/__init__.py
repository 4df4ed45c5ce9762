"""One SQLite key-value store, with an optional cost ledger, behind every benchlab cache.

The backends' response cache and the judge's reply cache both keep their entries here, keyed
by the one `request_key` function.
"""

from benchlab.store.kvstore import CallSpend, KeyValueStore, request_key

__all__ = ["CallSpend", "KeyValueStore", "request_key"]
