"""The shipped VLM fine-tuning configs validate: the hub study offline, the local one on data."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.runner.planning import load_plan

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SHARED_VLM = CONFIGS.parent.parent / "shared" / "data" / "vlm"
CELLS = ("zero-shot", "scratchpad", "lora-cot", "lora-cot-scratchpad")


def test_hub_study_validates_with_the_2x2_on_both_tasks() -> None:
    plan = load_plan(CONFIGS / "vlm-cot.yaml")
    ids = {spec.id for spec in plan.experiments}
    for model in ("qwen2-vl-2b", "llava-ov-0.5b"):
        for task in ("coco-karpathy", "mmbench"):
            assert {f"{model}_{task}_{cell}" for cell in CELLS} <= ids
    tuned = next(s for s in plan.experiments if s.id.endswith("_lora-cot-scratchpad"))
    assert tuned.base is not None and tuned.base.mode.name == "lora-cot"


@pytest.mark.skipif(not SHARED_VLM.is_dir(), reason="../shared/data/vlm is not on this machine")
def test_local_study_validates_on_the_real_images() -> None:
    plan = load_plan(CONFIGS / "vlm-cot-local.yaml")
    ids = {spec.id for spec in plan.experiments}
    assert {f"tiny-vlm_coco-mini_{cell}" for cell in (*CELLS, "lora-coco")} <= ids
    assert {f"tiny-vlm_mmbench-samples_{cell}" for cell in CELLS} <= ids
