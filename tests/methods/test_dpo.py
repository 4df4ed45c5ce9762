"""DPO on top of SFT: rewards and accuracy rise, SFT is trained once, one copy of the base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.stats.paired import mcnemar_exact
from tests.methods.preference_study import write_study

LORA = {"r": 8, "alpha": 16, "dropout": 0.0, "batch_size": 16, "max_length": 64}
MODES = [
    # An SFT model barely moved from its base (tiny learning rate): what DPO must improve on.
    {"name": "sft", "type": "sft", "peft": "lora", **LORA, "learning_rate": 1.0e-5,
     "validation_fraction": 0.0},
    {"name": "dpo", "type": "dpo", "base_mode": "sft", **LORA, "beta": 0.1, "epochs": 2,
     "learning_rate": 3.0e-3},
]  # fmt: skip


@pytest.fixture(scope="module")
def dpo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SFT, then DPO built on it, on the sentiment task's preference pairs."""
    folder = tmp_path_factory.mktemp("dpo")
    plan = load_plan(write_study(folder, MODES, max_train_examples=160, max_eval_examples=100))
    summary = run_plan(plan, folder / "run")
    assert summary.ok, summary.errors
    return folder / "run"


def _predictions(run: Path, mode: str) -> list[dict]:
    text = (run / f"experiments/tiny-llama_sentiment_{mode}/predictions.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def _history(run: Path, mode: str) -> dict:
    return json.loads((run / f"experiments/tiny-llama_sentiment_{mode}/history.json").read_text())


def test_dpo_raises_reward_accuracy_and_task_accuracy_above_sft(dpo_run: Path) -> None:
    steps = _history(dpo_run, "dpo")["train_metrics"]
    assert {"rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"} <= set(
        steps[-1]
    )
    first, last = steps[0], steps[-1]
    assert last["rewards/accuracies"] > first["rewards/accuracies"]
    assert last["rewards/accuracies"] >= 0.7
    assert last["rewards/margins"] > first["rewards/margins"] > -0.05
    sft, dpo = _predictions(dpo_run, "sft"), _predictions(dpo_run, "dpo")
    assert [p["id"] for p in sft] == [p["id"] for p in dpo]
    sft_correct = [p["correct"] for p in sft]
    dpo_correct = [p["correct"] for p in dpo]
    assert sum(dpo_correct) > sum(sft_correct)
    assert mcnemar_exact(sft_correct, dpo_correct).p_value < 0.01


def test_sft_is_trained_once_and_dpo_starts_from_its_weights(dpo_run: Path) -> None:
    """The DPO model is the SFT weights with the DPO adapter on top, not the base with it."""
    from benchlab.backends.registry import build_backend, load_model
    from benchlab.backends.weights import LoadedModel, attach_adapter
    from benchlab.config.schema import ModelSpec
    from benchlab.tasks.base import EvalContext
    from benchlab.tasks.evaluation import evaluate
    from tests.methods.preference_study import TINY_LLAMA, sentiment_task

    shared = sorted(p.name for p in (dpo_run / "shared").iterdir())
    assert len([name for name in shared if name.startswith("sft-")]) == 1
    log = next(dpo_run.glob("benchmark_*.log")).read_text()
    assert log.count("evaluating the SFT model already trained") == 1  # DPO's base, reused
    sft_adapter = next((dpo_run / "shared").glob("sft-*/adapter"))
    dpo_adapter = dpo_run / "experiments/tiny-llama_sentiment_dpo/adapter"
    spec = ModelSpec(**TINY_LLAMA)
    task = sentiment_task()
    recorded = {p["id"]: p["scores"] for p in _predictions(dpo_run, "dpo")[:12]}
    examples = [e for e in task.load_split("eval") if e.id in recorded]

    def scores(loaded: LoadedModel) -> dict[str, dict]:
        backend = build_backend(spec, loaded=loaded)
        predictions = evaluate(task, backend, examples, EvalContext())
        return {p.example_id: p.details["scores"] for p in predictions}

    sft = attach_adapter(load_model(spec), sft_adapter)
    sft_merged = LoadedModel(sft.model.merge_and_unload(), sft.tokenizer, sft.revision)
    on_sft = scores(attach_adapter(sft_merged, dpo_adapter))
    on_base = scores(attach_adapter(load_model(spec), dpo_adapter))
    for example_id, expected in recorded.items():
        assert on_sft[example_id] == pytest.approx(expected, abs=2e-5)
    # The same adapter on the bare base gives other scores: SFT's weights are in DPO's model.
    assert any(on_base[i] != pytest.approx(on_sft[i], abs=1e-4) for i in recorded)


def test_lora_dpo_holds_one_copy_of_the_base_weights(dpo_run: Path) -> None:
    history = _history(dpo_run, "dpo")
    assert history["base_weight_copies"] == 1
    assert history["reference"] == "the starting model with the adapter disabled"
    results = json.loads(
        (dpo_run / "experiments/tiny-llama_sentiment_dpo/results.json").read_text()
    )
    assert 0 < results["training"]["trainable_percent"] < 100
    assert results["training"]["artifact"] == "adapter"


def test_the_report_plots_the_dpo_rewards(dpo_run: Path) -> None:
    from benchlab.report.build import build_report

    html = (build_report(dpo_run) / "report.html").read_text(encoding="utf-8")
    assert 'alt="preference rewards tiny-llama_sentiment_dpo"' in html
    assert 'alt="preference rewards tiny-llama_sentiment_sft"' not in html
