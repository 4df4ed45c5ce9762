"""Model entries choose their backend; loading, quantization and adapters are identified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchlab.backends.openai_compatible import OpenAICompatibleBackend
from benchlab.backends.registry import backend_types, build_backend
from benchlab.backends.weights import fingerprint_of, place
from benchlab.config.schema import ModelSpec
from benchlab.errors import BackendUnavailableError, ConfigError

SRC = Path(__file__).resolve().parents[2] / "src" / "benchlab"


def test_only_the_weights_module_loads_models() -> None:
    """`from_pretrained` of a model appears in one module; tokenizers and processors may load
    elsewhere (the tokenizer beside it, a data-inspection command's length counter)."""
    callers = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        for name in re.findall(r"(\w+)\.from_pretrained\(", path.read_text(encoding="utf-8"))
        if "Tokenizer" not in name and "Processor" not in name
    }
    assert callers == {"backends/weights.py"}
    assert "AutoModel" not in (SRC / "backends/loading.py").read_text(encoding="utf-8")


def test_kind_maps_to_default_backend_and_backend_implies_kind() -> None:
    assert ModelSpec(name="m", path="p", kind="causal").backend_name == "hf_causal"
    assert ModelSpec(name="m", path="p", kind="encoder").backend_name == "hf_encoder"
    api = ModelSpec(name="m", path="gpt", backend="openai_compatible")
    assert (api.kind, api.backend_name) == ("api", "openai_compatible")
    assert set(backend_types()) >= {"hf_causal", "hf_encoder", "openai_compatible"}


def test_unknown_backend_is_a_config_error() -> None:
    spec = ModelSpec(name="m", path="p", kind="causal", backend="vllm-nope")
    with pytest.raises(ConfigError, match=r"model 'm': unknown backend 'vllm-nope'; available"):
        build_backend(spec)


def test_openai_compatible_model_from_its_entry() -> None:
    spec = ModelSpec(
        name="api",
        path="served-model",
        backend="openai_compatible",
        backend_options={"base_url": "http://127.0.0.1:9/v1/"},
    )
    backend = build_backend(spec)
    assert isinstance(backend, OpenAICompatibleBackend)
    assert backend.client.model == "served-model"
    assert backend.fingerprint == "openai-compatible:http://127.0.0.1:9/v1:served-model"
    missing = spec.model_copy(update={"backend_options": {}})
    with pytest.raises(ConfigError, match=r"backend_options: base_url: Field required"):
        build_backend(missing)
    with pytest.raises(ConfigError, match="no local weights to train or adapt"):
        backend_types()["openai_compatible"].load(spec)


def test_quantization_changes_the_fingerprint_and_is_never_moved() -> None:
    base = ModelSpec(name="m", path="p", kind="causal")
    quantized = base.model_copy(update={"quantization": "bnb-nf4"})
    assert fingerprint_of(base, "r") == fingerprint_of(quantized, "r")  # the spec alone...
    assert fingerprint_of(base, "r") != fingerprint_of(quantized, "r", "quantization:bnb-nf4")

    class Unmovable:
        def to(self, device):
            raise AssertionError("a quantized model was .to()-moved")

    model = Unmovable()
    assert place(model, quantized) is model


def test_quantization_without_bitsandbytes_or_unknown_is_clear(tiny_causal_dir: Path) -> None:
    pytest.importorskip("transformers")
    spec = ModelSpec(name="m", path=str(tiny_causal_dir), kind="causal", quantization="bnb-q3")
    with pytest.raises(ConfigError, match=r"unknown quantization 'bnb-q3'; use one of"):
        build_backend(spec)
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        nf4 = spec.model_copy(update={"quantization": "bnb-nf4"})
        with pytest.raises(BackendUnavailableError, match="needs bitsandbytes"):
            build_backend(nf4)


def test_adapter_gets_its_own_fingerprint_and_answers(
    tiny_causal_dir: Path, tmp_path: Path
) -> None:
    """A model with an adapter never shares the base's cache key, and its weights differ."""
    import torch
    from peft import LoraConfig, get_peft_model

    spec = ModelSpec(name="m", path=str(tiny_causal_dir), kind="causal")
    base = build_backend(spec)
    torch.manual_seed(0)
    adapted = get_peft_model(
        base.model, LoraConfig(r=2, target_modules="all-linear", init_lora_weights=False)
    )
    adapted.save_pretrained(tmp_path / "adapter")
    adapted.unload()
    fresh = build_backend(spec)
    with_adapter = build_backend(spec, adapter=str(tmp_path / "adapter"))
    from_entry = build_backend(spec.model_copy(update={"adapter": str(tmp_path / "adapter")}))
    assert fresh.fingerprint == base.fingerprint
    assert with_adapter.fingerprint == from_entry.fingerprint != fresh.fingerprint
    from benchlab.requests import LoglikelihoodRequest

    request = [LoglikelihoodRequest("Review: good", " positive")]
    assert with_adapter.loglikelihood(request) != fresh.loglikelihood(request)
