"""Building backends from a model spec: the one place that calls `from_pretrained`."""

from __future__ import annotations

import hashlib
from typing import Any

from benchlab.backends.hf_causal import HFCausalBackend
from benchlab.backends.hf_encoder import HFEncoderClassifier
from benchlab.backends.loading import load_tokenizer, model_location, model_revision, torch_dtype
from benchlab.config.schema import ModelSpec
from benchlab.errors import BackendUnavailableError

__all__ = ["causal_backend", "device", "encoder_backend", "fingerprint_of", "load_causal_model"]


def device() -> str:
    """The accelerator to use: CUDA when present, else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def fingerprint_of(spec: ModelSpec, revision: str, *extra: str) -> str:
    """A short stable hash of what determines a model's outputs."""
    settings = [spec.dtype, str(spec.max_length), f"add_bos_token={spec.add_bos_token}"]
    text = "|".join([spec.path, revision, *settings, *extra])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def load_causal_model(spec: ModelSpec, **kwargs: Any) -> tuple[Any, Any]:
    """A causal LM and its tokenizer, from a hub id or local directory."""
    from transformers import AutoModelForCausalLM

    location = model_location(spec)
    tokenizer = load_tokenizer(spec, location)
    try:
        model = AutoModelForCausalLM.from_pretrained(
            location,
            revision=spec.revision,
            dtype=torch_dtype(spec.dtype),
            trust_remote_code=spec.trust_remote_code,
            **kwargs,
        )
    except OSError as exc:
        raise BackendUnavailableError(
            f"model {spec.name!r}: cannot load {location!r}: {exc}"
        ) from exc
    if "device_map" not in kwargs:
        model = model.to(device())
    return model, tokenizer


def _wrap(backend_class: type, spec: ModelSpec, model: Any, tokenizer: Any, extra, **kwargs):
    revision = model_revision(spec)
    backend = backend_class(
        model,
        tokenizer,
        max_length=spec.max_length,
        batch_size=spec.batch_size,
        fingerprint=fingerprint_of(spec, revision, *extra),
        **kwargs,
    )
    backend.revision = revision
    return backend


def causal_backend(spec: ModelSpec, model: Any, tokenizer: Any, *extra: str) -> HFCausalBackend:
    """Wrap a loaded causal model; `extra` distinguishes adapters in the fingerprint."""
    from benchlab.backends.cache import ResponseCache

    cache = ResponseCache(spec.cache_path) if spec.cache_path else None
    return _wrap(
        HFCausalBackend,
        spec,
        model,
        tokenizer,
        extra,
        cache=cache,
        add_bos_token=spec.add_bos_token,
    )


def encoder_backend(
    spec: ModelSpec, model: Any, tokenizer: Any, *extra: str
) -> HFEncoderClassifier:
    """Wrap a (fine-tuned) sequence classifier."""
    return _wrap(HFEncoderClassifier, spec, model, tokenizer, extra)
