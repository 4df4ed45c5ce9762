"""A 4-bit training backbone (QLoRA): the base loaded quantized, adapters trained on top.

Any adapter-training mode takes `quantization: nf4`: the base is loaded through the backend's
own `quantization` loading option (bitsandbytes NF4 with double quantization), prepared for
k-bit training by peft, and LoRA trains on top in the compute dtype, which is recorded.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Literal

from benchlab.backends.weights import QUANTIZATION_SCHEMES
from benchlab.config.schema import ModelSpec

__all__ = [
    "TRAINING_QUANTIZATION",
    "TrainingQuantization",
    "check_quantization_support",
    "count_parameters",
    "footprint_mb",
    "prepare_quantized",
    "quantization_summary",
    "quantized_spec",
]

#: The mode option's values, mapped to the backend's `quantization:` loading schemes.
TRAINING_QUANTIZATION: dict[str, str] = {"nf4": "bnb-nf4"}
TrainingQuantization = Literal["nf4"]


def check_quantization_support(value: str | None) -> str | None:
    """Refuse a 4-bit option at validate time when bitsandbytes is not installed."""
    if value is not None and importlib.util.find_spec("bitsandbytes") is None:
        raise ValueError(
            f"quantization {value!r} needs bitsandbytes, which is not installed here: "
            "pip install bitsandbytes (0.45 or later runs on CPU too), or drop `quantization`"
        )
    return value


def quantized_spec(spec: ModelSpec, quantization: str | None) -> ModelSpec:
    """The model entry loaded with the mode's quantization (unchanged when there is none)."""
    if quantization is None:
        return spec
    return spec.model_copy(update={"quantization": TRAINING_QUANTIZATION[quantization]})


def quantization_summary(spec: ModelSpec) -> dict[str, Any] | None:
    """The scheme, quantized type, double quantization and compute dtype, for the record."""
    if spec.quantization is None:
        return None
    settings = QUANTIZATION_SCHEMES[spec.quantization]
    return {
        "scheme": spec.quantization,
        "quant_type": settings.get("bnb_4bit_quant_type", "int8"),
        "double_quant": bool(settings.get("bnb_4bit_use_double_quant", False)),
        "compute_dtype": spec.dtype,
    }


def prepare_quantized(model: Any) -> Any:
    """Norms in float32 and input gradients on, so adapters train on a k-bit base (peft)."""
    from peft import prepare_model_for_kbit_training

    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)


def footprint_mb(model: Any) -> float:
    """Memory the model's parameters and buffers take, in MiB (4-bit weights count as packed)."""
    return round(model.get_memory_footprint() / 2**20, 4)


def count_parameters(model: Any) -> tuple[int, int]:
    """(trainable, total) parameters; a 4-bit weight counts its unpacked elements."""
    trainable = total = 0
    for parameter in model.parameters():
        state = getattr(parameter, "quant_state", None)
        n = state.shape.numel() if state is not None else parameter.numel()
        total += n
        trainable += n if parameter.requires_grad else 0
    return trainable, total
