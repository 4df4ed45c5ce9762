"""Quantization schemes behind one registry, and what a quantized model holds and weighs."""

from benchlab.backends.quantization.inspection import (
    QuantizedLayers,
    folder_bytes,
    model_bytes,
    quantized_layers,
)
from benchlab.backends.quantization.registry import (
    QuantChoice,
    QuantScheme,
    check_available,
    parse_choice,
    quantization_config,
    register_scheme,
    scheme_table,
    unavailable_reason,
)

__all__ = [
    "QuantChoice",
    "QuantScheme",
    "QuantizedLayers",
    "check_available",
    "folder_bytes",
    "model_bytes",
    "parse_choice",
    "quantization_config",
    "quantized_layers",
    "register_scheme",
    "scheme_table",
    "unavailable_reason",
]
