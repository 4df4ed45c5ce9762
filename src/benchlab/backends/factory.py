"""Shortcuts for callers outside the matrix (the judge's local answerer): a causal backend."""

from __future__ import annotations

from typing import Any

from benchlab.backends.hf_causal import HFCausalBackend
from benchlab.backends.weights import LoadedModel, device, fingerprint_of, load_pretrained
from benchlab.config.schema import ModelSpec

__all__ = ["causal_backend", "device", "fingerprint_of", "load_causal_model"]


def load_causal_model(spec: ModelSpec, **kwargs: Any) -> tuple[Any, Any]:
    """A causal LM and its tokenizer, from a hub id or local directory."""
    loaded = load_pretrained(spec, **kwargs)
    return loaded.model, loaded.tokenizer


def causal_backend(spec: ModelSpec, model: Any, tokenizer: Any, *extra: str) -> HFCausalBackend:
    """Wrap a loaded causal model; `extra` distinguishes adapters in the fingerprint."""
    from benchlab.backends.loading import model_revision

    loaded = LoadedModel(model, tokenizer, model_revision(spec))
    return HFCausalBackend.from_spec(spec, loaded=loaded, tag=extra)
