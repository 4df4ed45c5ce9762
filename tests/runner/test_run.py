"""The matrix runs end to end, resumes, records failures and is deterministic on CPU."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
import yaml

from benchlab.record.layout import RunLayout
from benchlab.report.build import build_report
from benchlab.report.records import load_run
from benchlab.runner.fingerprints import spec_hash
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.runner.status import run_status
from tests.helpers import write_config

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "results.schema.json"
IDS = [
    "tiny-bert_sentiment_finetune",
    "tiny-llama_sentiment_zero-shot",
    "tiny-llama_sentiment_few-shot",
    "tiny-llama_sentiment_lora",
]


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(tmp_path_factory.mktemp("config") / "study.yaml")


@pytest.fixture(scope="module")
def run_dir(config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    summary = run_plan(load_plan(config), out)
    assert summary.states == dict.fromkeys(IDS, "complete"), summary.errors
    build_report(out)  # as `benchlab run` does at the end: error analysis included
    return out


def _results(run_dir: Path, experiment_id: str) -> dict:
    return json.loads((run_dir / "experiments" / experiment_id / "results.json").read_text())


def test_every_experiment_writes_a_valid_record(run_dir: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    for experiment_id in IDS:
        folder = run_dir / "experiments" / experiment_id
        results = _results(run_dir, experiment_id)
        jsonschema.validate(results, schema)
        predictions = [
            json.loads(x) for x in (folder / "predictions.jsonl").read_text().splitlines()
        ]
        assert len(predictions) == results["n_eval"] == 60
        assert {"id", "input", "gold", "prediction", "correct", "scores"} <= set(predictions[0])
        accuracy = sum(p["correct"] for p in predictions) / len(predictions)
        metric = results["metrics"]["accuracy"]
        assert metric["value"] == pytest.approx(accuracy)
        assert metric["ci_low"] <= metric["value"] <= metric["ci_high"]
        assert (folder / "error_analysis" / "confusion_matrix.png").stat().st_size > 1000
        assert (folder / "error_analysis" / "errors.csv").exists()
        assert results["cost"]["latency_ms"]["n"] == 3
        assert results["provenance"]["data_fingerprint"]["eval"]
    assert list(RunLayout(run_dir).logs())


def test_training_modes_record_cost_and_artifacts(run_dir: Path) -> None:
    lora = _results(run_dir, "tiny-llama_sentiment_lora")
    assert 0 < lora["training"]["trainable_percent"] < 50
    adapter = run_dir / "experiments" / "tiny-llama_sentiment_lora" / "adapter"
    assert (adapter / "adapter_config.json").exists()
    assert not (adapter / "model.safetensors").exists()
    finetune = _results(run_dir, "tiny-bert_sentiment_finetune")
    assert finetune["training"]["trainable_percent"] == pytest.approx(100)
    assert (
        run_dir / "experiments" / "tiny-bert_sentiment_finetune" / "model" / "config.json"
    ).exists()
    history = json.loads(
        (run_dir / "experiments" / "tiny-llama_sentiment_lora" / "history.json").read_text()
    )
    assert history["train_loss"] and history["eval"]


def test_training_beats_zero_shot_on_a_learnable_task(run_dir: Path) -> None:
    zero = _results(run_dir, "tiny-llama_sentiment_zero-shot")["metrics"]["accuracy"]
    lora = _results(run_dir, "tiny-llama_sentiment_lora")["metrics"]["accuracy"]
    assert lora["value"] >= 0.85
    assert lora["ci_low"] > zero["ci_high"]


def test_rerun_skips_complete_experiments(run_dir: Path, config: Path) -> None:
    before = {i: _results(run_dir, i)["finished_at"] for i in IDS}
    summary = run_plan(load_plan(config), run_dir)
    assert summary.ok
    assert {i: _results(run_dir, i)["finished_at"] for i in IDS} == before
    status = run_status(run_dir)
    assert status.counts() == {"complete": 4}
    assert "4 complete" in status.headline()


def test_same_config_and_seed_give_identical_predictions(
    run_dir: Path, config: Path, tmp_path: Path
) -> None:
    run_plan(load_plan(config), tmp_path)
    for experiment_id in IDS:
        first = (run_dir / "experiments" / experiment_id / "predictions.jsonl").read_bytes()
        second = (tmp_path / "experiments" / experiment_id / "predictions.jsonl").read_bytes()
        assert first == second, experiment_id


def test_a_failing_experiment_is_recorded_and_the_rest_go_on(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(path.read_text())
    data["matrix"] = {"include": [{"modes": ["lora", "zero-shot"]}]}
    path.write_text(yaml.safe_dump(data))
    # validate refuses unknown LoRA targets, so the plan is broken after it to fail at run time
    plan = load_plan(path)
    broken = {"target_modules": ["no_such_module"]}
    experiments = [
        replace(s, mode=s.mode.model_copy(update=broken)) if s.mode.name == "lora" else s
        for s in plan.experiments
    ]
    summary = run_plan(replace(plan, experiments=experiments), tmp_path / "run")
    assert summary.states == {
        "tiny-llama_sentiment_zero-shot": "complete",
        "tiny-llama_sentiment_lora": "failed",
    }
    folder = tmp_path / "run" / "experiments" / "tiny-llama_sentiment_lora"
    failure = json.loads((folder / "failure.json").read_text())
    assert "no_such_module" in failure["error"] and "\n" not in failure["error"]
    assert "Traceback" in (folder / "traceback.txt").read_text()
    assert not (folder / "results.json").exists()
    assert run_status(tmp_path / "run").counts() == {"complete": 1, "failed": 1}


def test_a_changed_spec_is_stale_and_a_failed_rerun_never_reads_complete(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(path.read_text())
    data["matrix"] = {"include": [{"modes": ["zero-shot"]}]}
    path.write_text(yaml.safe_dump(data))
    run = tmp_path / "run"
    assert run_plan(load_plan(path), run).ok
    experiment_id = "tiny-llama_sentiment_zero-shot"
    # the config changes (a longer template): the old results no longer describe the spec
    data["tasks"][0]["template"] = "Text: {text}\nSentiment:"
    path.write_text(yaml.safe_dump(data))
    plan = json.loads((run / "run.json").read_text())
    plan["experiments"][0]["spec_hash"] = spec_hash(load_plan(path).experiments[0])
    (run / "run.json").write_text(json.dumps(plan))
    assert [e.state for e in load_run(run).experiments] == ["stale"]
    # the rerun fails: the old record is set aside, and nothing reads as complete
    data["models"][1]["path"] = str(tmp_path / "gone")
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "config.json").write_text("{}")
    path.write_text(yaml.safe_dump(data))
    assert not run_plan(load_plan(path), run).ok
    folder = run / "experiments" / experiment_id
    assert not (folder / "results.json").exists()
    assert json.loads((folder / "results.previous.json").read_text())["status"] == "complete"
    assert [e.state for e in load_run(run).experiments] == ["failed"]
