"""Each CPU quantization scheme really quantizes: layer types, weight storage, saved size."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from benchlab.backends.quantization import (
    QuantScheme,
    folder_bytes,
    parse_choice,
    quantized_layers,
    register_scheme,
    scheme_table,
    unavailable_reason,
)
from benchlab.backends.quantization import registry as quant_registry
from benchlab.config.schema import ModelSpec
from benchlab.errors import BackendUnavailableError, ConfigError

#: scheme label -> (module class, bits each stored weight element takes)
CPU_SCHEMES = {
    "bnb-int8": ("Linear8bitLt", 8),
    "bnb-nf4": ("Linear4bit", 4),
    "bnb-fp4": ("Linear4bit", 4),
    "torchao-int8-weight": ("Linear", 8),
    "torchao-int8-dynamic": ("Linear", 8),
    "torchao-intx:4": ("Linear", 8),  # 4-bit values, stored unpacked one per int8
    "torchao-intx:2": ("Linear", 8),
}


def test_labels_bits_and_unknown_schemes_are_checked() -> None:
    assert parse_choice("torchao-intx", bits=3).label == "torchao-intx:3"
    assert parse_choice("torchao-intx:5").bits == 5
    assert parse_choice("bnb-nf4").label == "bnb-nf4"
    with pytest.raises(ConfigError, match=r"unknown quantization 'bnb-q3'; use one of"):
        parse_choice("bnb-q3")
    with pytest.raises(ConfigError, match=r"takes bits in \[2, 3, 4, 5, 6, 7, 8\], not 1"):
        parse_choice("torchao-intx", bits=1)
    with pytest.raises(ConfigError, match=r"takes bits in \[4, 3, 2\], not 8"):
        parse_choice("gptq", bits=8)
    with pytest.raises(ValueError, match="already registered"):
        register_scheme(scheme_table()["bnb-nf4"])


def test_gpu_only_and_missing_packages_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quant_registry, "_has_gpu", lambda: False)
    reason = unavailable_reason(parse_choice("gptq", bits=3))
    assert reason is not None and "gptq:3 quantizes on a CUDA GPU only" in reason
    fake = dataclasses.replace(
        scheme_table()["bnb-int8"], name="test-missing", packages=("no_such_module_q2",)
    )
    monkeypatch.setitem(quant_registry._REGISTRY, "test-missing", fake)
    assert unavailable_reason(parse_choice("test-missing")) == (
        "test-missing needs no_such_module_q2: pip install bitsandbytes"
    )
    assert isinstance(fake, QuantScheme)


def test_missing_package_on_a_model_entry_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tiny_causal_dir: Path
) -> None:
    from benchlab.backends.registry import load_model

    fake = dataclasses.replace(
        scheme_table()["bnb-int8"], name="test-missing", packages=("no_such_module_q2",)
    )
    monkeypatch.setitem(quant_registry._REGISTRY, "test-missing", fake)
    spec = ModelSpec(
        name="m", path=str(tiny_causal_dir), kind="causal", quantization="test-missing"
    )
    with pytest.raises(BackendUnavailableError, match="model 'm': test-missing needs"):
        load_model(spec)


@pytest.fixture(scope="module")
def float_model(tiny_causal_dir: Path):
    """The tiny model in float32, and its log-probabilities on a fixed input."""
    pytest.importorskip("transformers")
    from benchlab.backends.registry import load_model

    loaded = load_model(ModelSpec(name="m", path=str(tiny_causal_dir), kind="causal"))
    return loaded.model


def _logprobs(model, ids):
    import torch

    with torch.inference_mode():
        return torch.log_softmax(model(input_ids=ids).logits.float(), dim=-1)


@pytest.mark.parametrize("label", sorted(CPU_SCHEMES))
def test_cpu_scheme_quantizes_saves_and_reloads(
    label: str, tiny_causal_dir: Path, float_model, tmp_path: Path
) -> None:
    """Linear layers change type, store `bits` per weight, and survive save + reload."""
    pytest.importorskip(scheme_table()[label.split(":")[0]].packages[0])
    import torch

    from benchlab.backends.registry import load_model

    module_class, stored_bits = CPU_SCHEMES[label]
    spec = ModelSpec(name="m", path=str(tiny_causal_dir), kind="causal", quantization=label)
    loaded = load_model(spec)
    assert f"quantization:{label}" in loaded.parts
    float_linears = {
        name: module
        for name, module in float_model.named_modules()
        if isinstance(module, torch.nn.Linear) and name != "lm_head"
    }
    modules = dict(loaded.model.named_modules())
    for name, reference in float_linears.items():
        module = modules[name]
        assert type(module).__name__ == module_class, name
        weight = module.weight
        # the stored elements, read from the library's own tensor (packed data or qdata)
        stored = getattr(weight, "qdata", weight)
        stored_bytes = stored.numel() * stored.element_size()
        assert stored.dtype in (torch.int8, torch.uint8), (name, stored.dtype)
        assert stored_bytes == reference.weight.numel() * stored_bits // 8, name
    layers = quantized_layers(loaded.model)
    assert layers.quantized == len(float_linears)  # every linear but the head
    head = float_model.lm_head.weight.numel() * 4
    body = layers.float_weight_bytes - head
    assert layers.weight_bytes - head < body * (stored_bits / 32 + 0.15)

    ids = torch.tensor([[1, 5, 9, 13, 17, 21]])
    difference = (_logprobs(loaded.model, ids) - _logprobs(float_model, ids)).abs().max()
    assert 0 < float(difference) < 5.0  # changed by quantization, still the same model

    target = tmp_path / "saved"
    loaded.model.save_pretrained(target)
    again = load_model(spec.model_copy(update={"quantization": None}), weights=target)
    assert type(dict(again.model.named_modules())[next(iter(float_linears))]).__name__ == (
        module_class
    )
    assert torch.allclose(_logprobs(again.model, ids), _logprobs(loaded.model, ids), atol=1e-4)
    float_dir_bytes = folder_bytes(tiny_causal_dir)
    assert folder_bytes(target) < float_dir_bytes


def test_quanto_schemes_when_installed(tiny_causal_dir: Path) -> None:
    """optimum-quanto is an optional extra: its int8 layers are QLinear when it is present."""
    pytest.importorskip("optimum.quanto")
    from benchlab.backends.registry import load_model

    spec = ModelSpec(name="m", path=str(tiny_causal_dir), kind="causal", quantization="quanto-int8")
    layers = quantized_layers(load_model(spec).model)
    assert layers.quantized >= 1
