"""torchao schemes: int8 weight-only, int8 dynamic activations, and 2..8-bit weight-only (CPU)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.backends.quantization.registry import QuantChoice, QuantScheme, register_scheme

__all__: list[str] = []

_INSTALL = "pip install torchao"


def _config(choice: QuantChoice) -> Any:
    """The torchao config object of a choice."""
    import torch
    from torchao.quantization import (
        Int8DynamicActivationInt8WeightConfig,
        Int8WeightOnlyConfig,
        IntxWeightOnlyConfig,
    )
    from torchao.quantization.granularity import PerGroup

    if choice.scheme == "torchao-int8-weight":
        return Int8WeightOnlyConfig()
    if choice.scheme == "torchao-int8-dynamic":
        return Int8DynamicActivationInt8WeightConfig()
    dtype = getattr(torch, f"int{choice.bits}")
    return IntxWeightOnlyConfig(weight_dtype=dtype, granularity=PerGroup(choice.group_size))


def _build(choice: QuantChoice, _dtype: Any, _rows: Sequence[str] | None, _tok: Any) -> Any:
    from transformers import TorchAoConfig

    return TorchAoConfig(_config(choice))


for _name, _bits, _text in (
    ("torchao-int8-weight", (8,), "int8 weights, per-channel scales, float activations"),
    ("torchao-int8-dynamic", (8,), "int8 weights and dynamically quantized int8 activations"),
    (
        "torchao-intx",
        (2, 3, 4, 5, 6, 7, 8),
        "2..8-bit weights in groups of `group_size` (IntxWeightOnlyConfig, stored as int8)",
    ),
):
    register_scheme(QuantScheme(_name, "torchao", _text, _bits, _build, ("torchao",), _INSTALL))
