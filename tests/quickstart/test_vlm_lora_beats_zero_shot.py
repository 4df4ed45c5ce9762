"""The quick profile's VLM claim, smaller: LoRA on shapes captions beats zero-shot on CIDEr.

The quick profile trains longer on more images; here the tiny VLM trains 30 steps and both
experiments caption the same 24 images, and the report's paired comparison must put the whole
95% CI of the CIDEr difference above 0 (the permutation test agreeing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from benchlab.report.analysis import analyse_run
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan

QUICK = Path(__file__).resolve().parents[2] / "src" / "benchlab" / "resources" / "configs"


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Any:
    """Tiny models run faster on one thread than on oversubscribed shared cores."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def test_lora_beats_zero_shot_on_cider_with_a_paired_ci_above_zero(tmp_path: Path) -> None:
    quick = yaml.safe_load((QUICK / "quick.yaml").read_text())
    task = next(t for t in quick["tasks"] if t["name"] == "shapes-captions")
    mode = next(m for m in quick["modes"] if m["name"] == "lora-vlm")
    config = {
        "name": "vlm-claim",
        "seeds": [42],
        "models": [{"name": "tiny-vlm", "path": "builtin:tiny-vlm", "kind": "vlm"}],
        "tasks": [{**task, "similarity_model": None, "meteor": False}],
        "modes": [{"name": "zero-shot", "type": "zero_shot"}, mode],
        "profiles": {
            "small": {
                "max_train_examples": 320,
                "max_train_steps": 30,
                "max_eval_examples": 24,
                "latency_examples": 1,
                "bootstrap_resamples": 500,
            }
        },
        "default_profile": "small",
    }
    path = tmp_path / "claim.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    summary = run_plan(load_plan(path), tmp_path / "run")
    assert set(summary.states.values()) == {"complete"}, summary.errors
    analysis = analyse_run(tmp_path / "run")
    (comparison,) = analysis.per_task["shapes-captions"]
    assert comparison.a.mode == "zero-shot" and comparison.b.mode == "lora-vlm"
    assert comparison.n == 24
    cider = next(d for d in comparison.differences if d.metric == "CIDEr")
    assert cider.ci_low > 0 and cider.p_value < 0.05
    assert cider.value_b > cider.value_a
