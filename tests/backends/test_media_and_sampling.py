"""Media enter cache keys by content hash; sampled generations are reproducible per item."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from benchlab.backends.cache import response_key as request_key
from benchlab.backends.hf_causal import HFCausalBackend
from benchlab.requests import GenerationRequest, LoglikelihoodRequest, Media, request_fields
from benchlab.store import request_key as store_key

PIXELS = bytes(range(256)) * 64


def test_media_hash_is_lazy_and_matches_sha256(tmp_path: Path) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(PIXELS)
    media = Media(path=str(path))
    assert "content_hash" not in media.__dict__  # nothing read until a key is needed
    assert media.content_hash == "sha256:" + hashlib.sha256(PIXELS).hexdigest()
    with pytest.raises(ValueError, match="exactly one of"):
        Media()


def test_cache_key_carries_the_media_hash_not_the_pixels(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PIXELS)
    by_path = GenerationRequest("Describe:", media=(Media(path=str(path)),))
    by_bytes = GenerationRequest("Describe:", media=(Media(data=PIXELS),))
    other = GenerationRequest("Describe:", media=(Media(data=PIXELS[::-1]),))
    text_only = GenerationRequest("Describe:")
    assert request_key("fp", by_path) == request_key("fp", by_bytes)  # same content, same key
    assert request_key("fp", by_path) != request_key("fp", other)
    assert request_key("fp", by_path) != request_key("fp", text_only)
    fields = json.dumps(request_fields(by_bytes))
    assert hashlib.sha256(PIXELS).hexdigest() in fields and len(fields) < 300


def test_text_request_keys_are_unchanged_by_the_media_field() -> None:
    """Keys of text requests equal the pre-media formula, so existing caches stay valid."""
    for request in (GenerationRequest("Q:", stop=("\n",)), LoglikelihoodRequest("a", " b")):
        old_fields = {k: v for k, v in dataclasses.asdict(request).items() if k != "media"}
        payload = {"type": type(request).__name__, "fields": json.loads(json.dumps(old_fields))}
        assert request_key("fp", request) == store_key("fp", payload)


def _backend(tiny_causal: tuple[Any, Any]) -> HFCausalBackend:
    model, tokenizer = tiny_causal
    return HFCausalBackend(model, tokenizer, max_length=128, batch_size=4, fingerprint="t")


def test_sampling_is_seeded_per_item_and_leaves_the_global_rng(tiny_causal) -> None:
    import torch

    backend = _backend(tiny_causal)
    item = GenerationRequest(
        "Review: fine", max_new_tokens=6, temperature=1.0, num_samples=3, seed=7
    )
    other = GenerationRequest(
        "Review: bad", max_new_tokens=6, temperature=1.0, num_samples=2, seed=1
    )
    torch.manual_seed(0)
    state = torch.get_rng_state()
    [alone] = backend.generate([item])
    assert torch.equal(torch.get_rng_state(), state)  # the global RNG is untouched
    torch.manual_seed(123)  # a different global state, and another item before it
    _, after_other = backend.generate([other, item])
    assert after_other == alone
    assert len(set(alone.texts)) > 1  # the three samples are really drawn, not repeated
    reseeded = dataclasses.replace(item, seed=8)
    assert backend.generate([reseeded])[0] != alone
