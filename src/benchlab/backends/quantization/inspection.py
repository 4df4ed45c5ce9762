"""What a quantized model really holds: its quantized layers by type and their storage bytes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["QuantizedLayers", "folder_bytes", "model_bytes", "quantized_layers"]

#: Class names (of a module or of its weight tensor) that store quantized weights.
_QUANTIZED_NAMES = (
    "Linear8bitLt",
    "Linear4bit",
    "Int8Params",
    "Params4bit",
    "QLinear",
    "TorchAOBaseTensor",
    "AffineQuantizedTensor",
)


@dataclass
class QuantizedLayers:
    """Linear layers by how their weights are stored, and the bytes those weights occupy."""

    by_type: dict[str, int] = field(default_factory=dict)
    quantized: int = 0
    linear: int = 0
    weight_bytes: int = 0
    float_weight_bytes: int = 0  # the same weights at 4 bytes per element

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "by_type": dict(sorted(self.by_type.items())),
            "quantized": self.quantized,
            "linear": self.linear,
            "weight_bytes": self.weight_bytes,
            "float32_weight_bytes": self.float_weight_bytes,
        }


def _tensor_bytes(tensor: Any) -> int:
    """Bytes a (possibly subclassed, quantized) tensor stores, scales and zero points included."""
    inner = getattr(tensor, "__tensor_flatten__", None)
    if inner is not None and type(tensor).__name__ != "Parameter":
        names, _ = inner()
        return sum(_tensor_bytes(getattr(tensor, name)) for name in names)
    data = getattr(tensor, "data", tensor)
    total = data.numel() * data.element_size()
    state = getattr(tensor, "quant_state", None)  # bitsandbytes 4-bit: absmax and friends
    if state is not None:
        total += sum(t.numel() * t.element_size() for t in _state_tensors(state))
    scales = getattr(tensor, "SCB", None)  # bitsandbytes int8 row scales
    if scales is not None:
        total += scales.numel() * scales.element_size()
    return total


def _state_tensors(state: Any) -> list[Any]:
    import torch

    found = [v for v in vars(state).values() if isinstance(v, torch.Tensor)]
    nested = getattr(state, "state2", None)
    return found + (_state_tensors(nested) if nested is not None else [])


def _is_quantized(module: Any) -> bool:
    names = {type(module).__name__, type(getattr(module, "weight", None)).__name__}
    weight = getattr(module, "weight", None)
    names |= {cls.__name__ for cls in type(weight).__mro__} if weight is not None else set()
    return bool(names & set(_QUANTIZED_NAMES)) or "Quantized" in type(weight).__name__


def quantized_layers(model: Any) -> QuantizedLayers:
    """Count a model's linear layers by storage type and sum the bytes of their weights."""
    import torch

    found = QuantizedLayers()
    counts: Counter[str] = Counter()
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if not isinstance(module, torch.nn.Linear) or weight is None:
            continue
        found.linear += 1
        quantized = _is_quantized(module)
        found.quantized += quantized
        counts[f"{type(module).__name__}/{type(weight).__name__}"] += 1
        found.weight_bytes += _tensor_bytes(weight)
        found.float_weight_bytes += 4 * _logical_numel(module)
    found.by_type = dict(counts)
    return found


def _logical_numel(module: Any) -> int:
    """Elements of the weight matrix as the layer uses it (packed 4-bit storage holds half)."""
    return int(module.in_features) * int(module.out_features)


def model_bytes(model: Any) -> int:
    """Bytes of every parameter and buffer in memory (quantized storage counted as stored)."""
    params = sum(_tensor_bytes(p) for p in model.parameters())
    return params + sum(b.numel() * b.element_size() for b in model.buffers())


def folder_bytes(folder: str | Path) -> int:
    """Size on disk of a saved model's weight files."""
    files = [
        f for f in Path(folder).iterdir() if f.suffix in {".safetensors", ".bin", ".pt", ".pth"}
    ]
    return sum(f.stat().st_size for f in files)
