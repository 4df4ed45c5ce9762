"""bitsandbytes schemes: LLM.int8 and 4-bit NF4 / FP4 (bitsandbytes >= 0.45 runs them on CPU)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.backends.quantization.registry import QuantChoice, QuantScheme, register_scheme

__all__ = ["BNB_SETTINGS"]

#: BitsAndBytesConfig settings per scheme name.
BNB_SETTINGS: dict[str, dict[str, Any]] = {
    "bnb-int8": {"load_in_8bit": True},
    "bnb-nf4": {
        "load_in_4bit": True,
        "bnb_4bit_quant_type": "nf4",
        "bnb_4bit_use_double_quant": True,
    },
    "bnb-fp4": {"load_in_4bit": True, "bnb_4bit_quant_type": "fp4"},
}


def _build(choice: QuantChoice, compute_dtype: Any, _rows: Sequence[str] | None, _tok: Any) -> Any:
    from transformers import BitsAndBytesConfig

    settings = dict(BNB_SETTINGS[choice.scheme])
    if settings.get("load_in_4bit") and compute_dtype not in (None, "auto"):
        settings["bnb_4bit_compute_dtype"] = compute_dtype
    return BitsAndBytesConfig(**settings)


for _name, _bits, _text in (
    ("bnb-int8", 8, "LLM.int8: int8 weights, outliers kept in 16 bits"),
    ("bnb-nf4", 4, "4-bit NormalFloat weights with double quantization (QLoRA's format)"),
    ("bnb-fp4", 4, "4-bit floating-point weights"),
):
    register_scheme(
        QuantScheme(
            _name,
            "bitsandbytes",
            _text,
            (_bits,),
            _build,
            packages=("bitsandbytes",),
            install="pip install bitsandbytes",
        )
    )
