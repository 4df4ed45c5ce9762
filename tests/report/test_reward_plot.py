"""The report plots preference rewards per step for DPO / KTO experiments, and only for them."""

from __future__ import annotations

import json
from pathlib import Path

from benchlab.record.layout import ExperimentFiles
from benchlab.report.plots import reward_curve_png, training_curve_png
from benchlab.report.records import ExperimentRecord


def _record(folder: Path, history: dict) -> ExperimentRecord:
    folder.mkdir(parents=True)
    (folder / "history.json").write_text(json.dumps(history), encoding="utf-8")
    return ExperimentRecord("m_t_dpo", "complete", ExperimentFiles(folder), results={})


def test_reward_curves_are_drawn_from_train_metrics(tmp_path: Path) -> None:
    steps = [
        {"step": s, "epoch": s / 4, "rewards/chosen": 0.1 * s, "rewards/rejected": -0.1 * s,
         "rewards/margins": 0.2 * s, "rewards/accuracies": min(1.0, 0.4 + 0.1 * s)}
        for s in (1, 2, 3, 4)
    ]  # fmt: skip
    history = {"train_loss": [{"step": 1, "loss": 0.7}], "eval": [], "train_metrics": steps}
    png = reward_curve_png(_record(tmp_path / "dpo", history))
    assert png is not None and png.startswith(b"\x89PNG")
    assert training_curve_png(_record(tmp_path / "dpo2", history)) is not None


def test_histories_without_rewards_get_no_reward_plot(tmp_path: Path) -> None:
    history = {"train_loss": [{"step": 1, "loss": 0.7}], "eval": []}
    assert reward_curve_png(_record(tmp_path / "lora", history)) is None
    assert reward_curve_png(_record(tmp_path / "kto", {**history, "train_metrics": []})) is None
