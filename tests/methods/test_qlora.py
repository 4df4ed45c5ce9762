"""QLoRA: a 4-bit NF4 base by type, an adapter that reloads to identical predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.methods.preference_study import TINY_LLAMA, write_study

pytest.importorskip("bitsandbytes")

ADAPTER = {"r": 8, "alpha": 16, "dropout": 0.0, "batch_size": 16, "max_length": 64}
MODES = [
    {"name": "qlora", "type": "qlora", **ADAPTER, "target_modules": "all-linear",
     "learning_rate": 3.0e-3, "validation_fraction": 0.0},
    # Evaluates the qlora adapter reloaded from the run's shared folder onto a fresh 4-bit base.
    {"name": "reloaded", "type": "zero_shot", "base_mode": "qlora"},
    {"name": "merged", "type": "qlora", **ADAPTER, "learning_rate": 3.0e-3,
     "validation_fraction": 0.0, "evaluate_merged": True},
    {"name": "dpo-nf4", "type": "dpo", **ADAPTER, "quantization": "nf4",
     "learning_rate": 3.0e-3},
    {"name": "lora", "type": "lora", **ADAPTER, "target_modules": "all-linear",
     "learning_rate": 3.0e-3, "validation_fraction": 0.0},
]  # fmt: skip


@pytest.fixture(scope="module")
def qlora_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """QLoRA trained once, evaluated in memory and reloaded; merged; DPO on a 4-bit base."""
    folder = tmp_path_factory.mktemp("qlora")
    plan = load_plan(
        write_study(folder, MODES, max_train_examples=64, max_eval_examples=20, max_train_steps=4)
    )
    summary = run_plan(plan, folder / "run")
    assert summary.ok, summary.errors
    return folder / "run"


def _experiment(run: Path, mode: str) -> Path:
    return run / f"experiments/tiny-llama_sentiment_{mode}"


def _predictions(run: Path, mode: str) -> list[dict]:
    lines = (_experiment(run, mode) / "predictions.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_adapter_reloads_onto_a_fresh_4bit_base_to_identical_predictions(
    qlora_run: Path,
) -> None:
    trained, reloaded = _predictions(qlora_run, "qlora"), _predictions(qlora_run, "reloaded")
    assert len(trained) == 20
    keys = ("id", "prediction", "scores")
    assert [[p[k] for k in keys] for p in trained] == [[p[k] for k in keys] for p in reloaded]
    log = next(qlora_run.glob("benchmark_*.log")).read_text()
    assert "evaluating the LoRA model already trained" in log


def test_the_base_linear_layers_are_4bit_by_type(qlora_run: Path) -> None:
    import bitsandbytes
    import torch

    from benchlab.backends.registry import load_model
    from benchlab.backends.weights import attach_adapter
    from benchlab.config.schema import ModelSpec
    from benchlab.methods.training import quantized_spec

    adapter = next((qlora_run / "shared").glob("lora-*/adapter"))
    loaded = attach_adapter(load_model(quantized_spec(ModelSpec(**TINY_LLAMA), "nf4")), adapter)
    layers = [
        (name, module)
        for name, module in loaded.model.named_modules()
        if isinstance(module, torch.nn.Linear) and ".layers." in name and "lora_" not in name
    ]
    assert layers
    assert all(isinstance(m, bitsandbytes.nn.Linear4bit) for _, m in layers), [
        name for name, m in layers if not isinstance(m, bitsandbytes.nn.Linear4bit)
    ]


def test_quantization_memory_and_trainable_share_are_recorded(qlora_run: Path) -> None:
    from benchlab.backends.registry import load_model
    from benchlab.config.schema import ModelSpec

    folder = _experiment(qlora_run, "qlora")
    history = json.loads((folder / "history.json").read_text())
    assert history["quantization"] == {
        "scheme": "bnb-nf4",
        "quant_type": "nf4",
        "double_quant": True,
        "compute_dtype": "float32",
    }
    full = load_model(ModelSpec(**TINY_LLAMA)).model
    full_mb = full.get_memory_footprint() / 2**20
    assert 0 < history["memory"]["model_footprint_mb"] < full_mb
    training = json.loads((folder / "results.json").read_text())["training"]
    # 4-bit weights count their unpacked elements: the total is the full model plus the adapter
    assert (
        training["total_parameters"]
        == sum(p.numel() for p in full.parameters()) + (training["trainable_parameters"])
    )
    assert 0 < training["trainable_percent"] < 100


def test_merged_evaluation_and_dpo_on_a_4bit_base(qlora_run: Path) -> None:
    merged = json.loads((_experiment(qlora_run, "merged") / "results.json").read_text())
    on_4bit = json.loads((_experiment(qlora_run, "qlora") / "results.json").read_text())
    fingerprint = merged["provenance"]["model_fingerprint"]
    assert fingerprint != on_4bit["provenance"]["model_fingerprint"]
    dpo = json.loads((_experiment(qlora_run, "dpo-nf4") / "history.json").read_text())
    assert dpo["quantization"]["quant_type"] == "nf4"
    assert dpo["base_weight_copies"] == 1
    assert dpo["train_metrics"] and "rewards/margins" in dpo["train_metrics"][-1]


def test_lora_and_qlora_record_their_footprint_on_the_same_model(qlora_run: Path) -> None:
    from benchlab.backends.registry import load_model
    from benchlab.config.schema import ModelSpec

    def footprint(mode: str) -> float:
        history = json.loads((_experiment(qlora_run, mode) / "history.json").read_text())
        return history["memory"]["model_footprint_mb"]

    full = load_model(ModelSpec(**TINY_LLAMA)).model
    training = json.loads((_experiment(qlora_run, "lora") / "results.json").read_text())
    # full precision: every base weight and buffer, plus the float32 adapter
    adapter_bytes = 4 * training["training"]["trainable_parameters"]
    expected = (full.get_memory_footprint() + adapter_bytes) / 2**20
    assert footprint("lora") == pytest.approx(expected, abs=1e-3)
    assert footprint("qlora") < footprint("lora")
