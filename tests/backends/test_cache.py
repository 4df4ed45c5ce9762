"""The SQLite response cache: a repeated request is answered without touching the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.backends.cache import ResponseCache, bypass_cache
from benchlab.backends.hf_causal import HFCausalBackend
from benchlab.requests import GenerationRequest, LoglikelihoodRequest


class _Refuses:
    """Stands in for the model's forward pass after the cache is warm."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("the model was called for a cached request")


def test_cache_hit_skips_the_model(tiny_causal, tmp_path: Path) -> None:
    model, tokenizer = tiny_causal
    requests = [LoglikelihoodRequest("Question: 2+2?\nAnswer:", c) for c in (" 4", " five")]
    generation = [GenerationRequest("Hello", max_new_tokens=4)]
    cache = ResponseCache(tmp_path / "cache.sqlite")
    backend = HFCausalBackend(
        model, tokenizer, max_length=64, batch_size=2, fingerprint="tiny", cache=cache
    )
    first = backend.loglikelihood(requests)
    first_text = backend.generate(generation)

    reopened = ResponseCache(tmp_path / "cache.sqlite")  # a resumed run: a new process
    warm = HFCausalBackend(
        model, tokenizer, max_length=64, batch_size=2, fingerprint="tiny", cache=reopened
    )
    warm._loglikelihood = _Refuses()
    warm._generate = _Refuses()
    assert warm.loglikelihood(requests) == first
    assert warm.generate(generation) == first_text
    assert (reopened.hits, reopened.misses) == (3, 0)

    with bypass_cache(warm), pytest.raises(AssertionError, match="model was called"):
        warm.loglikelihood(requests)
    assert warm.cache is reopened


def test_other_fingerprint_or_request_is_a_miss(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache.sqlite")
    calls = []

    def compute(batch):
        calls.append(len(batch))
        from benchlab.requests import LoglikelihoodResult

        return [LoglikelihoodResult(-1.0, True, 1) for _ in batch]

    request = LoglikelihoodRequest("a", " b")
    cache.answer("m1", [request], compute)
    cache.answer("m1", [request, LoglikelihoodRequest("a", " c")], compute)
    cache.answer("m2", [request], compute)
    assert calls == [1, 1, 1]
