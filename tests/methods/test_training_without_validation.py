"""Training modes work without a validation split (nothing to pick a best checkpoint from)."""

from pathlib import Path

import yaml

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.helpers import write_config


def test_lora_without_validation_split(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(path.read_text())
    data["modes"][3]["validation_fraction"] = 0.0
    data["matrix"] = {"include": [{"modes": ["lora"]}]}
    data["profiles"]["quick"].update(max_train_steps=3, max_eval_examples=10, latency_examples=1)
    path.write_text(yaml.safe_dump(data))
    summary = run_plan(load_plan(path), tmp_path / "run")
    assert summary.ok, summary.errors
