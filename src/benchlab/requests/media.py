"""Images (or other media) attached to a request: by path or bytes, hashed lazily, never inlined.

A request's cache key carries the media's content hash, never its pixels, so a cached answer is
found again for the same image under any path, and a changed image is a miss.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

__all__ = ["Media"]


@dataclass(frozen=True)
class Media:
    """One medium: exactly one of a file path or raw bytes, with its MIME-style kind."""

    path: str | None = None
    data: bytes | None = field(default=None, repr=False)
    kind: str = "image"

    def __post_init__(self) -> None:
        if (self.path is None) == (self.data is None):
            raise ValueError("Media needs exactly one of `path` or `data`")

    def read_bytes(self) -> bytes:
        """The raw content, read from disk only when asked (media are never all held in memory)."""
        return self.data if self.data is not None else Path(self.path).read_bytes()

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the content, computed once on first use."""
        digest = hashlib.sha256()
        if self.data is not None:
            digest.update(self.data)
        else:
            with Path(self.path).open("rb") as handle:
                for block in iter(lambda: handle.read(2**20), b""):
                    digest.update(block)
        return f"sha256:{digest.hexdigest()}"

    def key(self) -> dict[str, str]:
        """What identifies this medium in a cache key: kind and content hash, not the bytes."""
        return {"kind": self.kind, "sha256": self.content_hash}
