"""Loading weights with `from_pretrained`: the one place models are loaded (and quantized).

A quantized model is placed by `device_map` at load time and never `.to()`-moved afterwards
(bitsandbytes refuses it); quantization and adapters go into the fingerprint, so a quantized or
adapted model never shares the base model's cached answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.backends.loading import load_tokenizer, model_location, model_revision, torch_dtype
from benchlab.backends.quantization.bitsandbytes import BNB_SETTINGS
from benchlab.config.schema import ModelSpec
from benchlab.errors import BackendUnavailableError, ConfigError

__all__ = [
    "QUANTIZATION_SCHEMES",
    "LoadedModel",
    "adapter_digest",
    "attach_adapter",
    "device",
    "fingerprint_of",
    "load_pretrained",
    "place",
    "with_part",
]

#: bitsandbytes settings per `quantization:` name (every scheme: backends.quantization).
QUANTIZATION_SCHEMES = BNB_SETTINGS


@dataclass
class LoadedModel:
    """Weights in memory with their tokenizer and what identifies them for caching."""

    model: Any
    tokenizer: Any
    revision: str
    #: Fingerprint parts beyond the spec: quantization, adapter digest, a method's tag.
    parts: tuple[str, ...] = ()


def device() -> str:
    """The accelerator to use: CUDA when present, else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def fingerprint_of(spec: ModelSpec, revision: str, *extra: str) -> str:
    """A short stable hash of what determines a model's outputs."""
    settings = [spec.dtype, str(spec.max_length), f"add_bos_token={spec.add_bos_token}"]
    text = "|".join([spec.path, revision, *settings, *extra])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def adapter_digest(folder: str | Path) -> str:
    """A content hash of an adapter's (or model's) safetensors files."""
    digest = hashlib.sha256()
    files = sorted(Path(folder).glob("*.safetensors"))
    if not files:
        raise ConfigError(f"adapter folder {folder}: no *.safetensors weights found")
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _quantization_config(spec: ModelSpec, weights: str | Path | None = None) -> Any:
    """The load-time quantization config of `quantization:` (None for a folder saved quantized)."""
    if spec.quantization is None or _saved_quantized(weights):
        return None
    from benchlab.backends.quantization import (
        parse_choice,
        quantization_config,
        unavailable_reason,
    )

    try:
        choice = parse_choice(spec.quantization)
    except ConfigError as exc:
        raise ConfigError(f"model {spec.name!r}: {exc}") from None
    reason = unavailable_reason(choice)
    if reason is not None:
        raise BackendUnavailableError(f"model {spec.name!r}: {reason} (or remove `quantization:`)")
    return quantization_config(choice, compute_dtype=torch_dtype(spec.dtype))


def _saved_quantized(weights: str | Path | None) -> bool:
    """Whether a weights folder was saved already quantized (its config names the scheme)."""
    if weights is None or not (Path(weights) / "config.json").is_file():
        return False
    config = json.loads((Path(weights) / "config.json").read_text(encoding="utf-8"))
    return "quantization_config" in config


def _placement(spec: ModelSpec, quantized: bool) -> dict[str, Any]:
    """`device_map` when the spec or quantization asks for load-time placement, else nothing."""
    if spec.device_map is not None:
        return {"device_map": spec.device_map}
    return {"device_map": {"": device()}} if quantized else {}


def load_pretrained(
    spec: ModelSpec,
    auto_class: str = "AutoModelForCausalLM",
    *,
    weights: str | Path | None = None,
    adapter: str | Path | None = None,
    **kwargs: Any,
) -> LoadedModel:
    """Weights of `auto_class` from the spec (or a `weights` folder), placed and identified.

    The tokenizer always comes from the spec's location, so weights a method saved alone (full
    SFT) load with the tokenizer they were trained with.
    """
    import transformers

    location = model_location(spec)
    tokenizer = load_tokenizer(spec, location)
    quantization = _quantization_config(spec, weights)
    quantized = spec.quantization is not None or "quantization_config" in kwargs
    placement = _placement(spec, quantized or _saved_quantized(weights))
    source = str(weights) if weights is not None else location
    options = {"revision": spec.revision} if weights is None else {}
    call = {
        "dtype": torch_dtype(spec.dtype),
        "trust_remote_code": spec.trust_remote_code,
        **options,
        "quantization_config": quantization,
        **placement,
        **kwargs,
    }
    try:
        model = getattr(transformers, auto_class).from_pretrained(
            source, **{k: v for k, v in call.items() if v is not None}
        )
    except OSError as exc:
        raise BackendUnavailableError(
            f"model {spec.name!r}: cannot load {source!r}: {exc}"
        ) from exc
    if not placement:
        model = model.to(device())
    parts: list[str] = []
    if spec.quantization is not None:
        parts.append(f"quantization:{spec.quantization}")
    if weights is not None:
        parts.append(f"weights:{adapter_digest(weights)}")
    loaded = LoadedModel(model, tokenizer, model_revision(spec), tuple(parts))
    for folder in (spec.adapter, adapter):
        if folder is not None:
            loaded = attach_adapter(loaded, folder)
    return loaded


def attach_adapter(loaded: LoadedModel, folder: str | Path) -> LoadedModel:
    """Weights in memory with a saved peft adapter on top, identified by the adapter's digest."""
    from peft import PeftModel

    model = PeftModel.from_pretrained(loaded.model, str(folder))
    return with_part(dataclasses.replace(loaded, model=model), f"adapter:{adapter_digest(folder)}")


def with_part(loaded: LoadedModel, part: str) -> LoadedModel:
    """The same weights with one more fingerprint part (what a method did to them)."""
    return dataclasses.replace(loaded, parts=(*loaded.parts, part))


def place(model: Any, spec: ModelSpec) -> Any:
    """Move a model built outside `load_pretrained` to the device, unless placement is fixed.

    Quantized models and models loaded with a device map are placed at load time; moving them
    again fails (bitsandbytes) or undoes the map.
    """
    if spec.quantization is not None or spec.device_map is not None:
        return model
    return model.to(device())
