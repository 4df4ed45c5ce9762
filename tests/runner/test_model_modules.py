"""LoRA targets checked from a model's config alone agree with peft on the loaded model."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.config.schema import ModelSpec
from benchlab.runner.model_modules import missing_targets, model_modules

TARGETS = [
    "q_proj",
    "qkv_proj",
    "c_attn",
    "self_attn.o_proj",
    "layers.0.self_attn.k_proj",
    "layers.9.self_attn.k_proj",
    "proj",
]


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_is_found_exactly_when_peft_finds_it(tiny_causal_dir: Path, target: str):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    modules = model_modules(ModelSpec(name="t", path=str(tiny_causal_dir), kind="causal"))
    assert modules is not None and "q_proj" in modules.linear
    model = AutoModelForCausalLM.from_pretrained(tiny_causal_dir)
    try:
        get_peft_model(model, LoraConfig(r=2, target_modules=[target]))
        peft_accepts = True
    except ValueError:
        peft_accepts = False
    assert (not missing_targets([target], modules)) == peft_accepts


def test_one_typo_among_targets_is_refused_although_peft_would_skip_it(tiny_causal_dir: Path):
    # peft only fails when no target matches; a misspelled one beside a good one is ignored
    modules = model_modules(ModelSpec(name="t", path=str(tiny_causal_dir), kind="causal"))
    assert modules is not None
    assert missing_targets(["q_proj", "c_attn"], modules) == ["c_attn"]


def test_a_folder_without_a_config_is_not_checked(tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text("{}", encoding="utf-8")
    assert model_modules(ModelSpec(name="a", path=str(tmp_path), kind="causal")) is None
