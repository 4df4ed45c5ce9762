"""Resume by content: changed eval data or a changed model folder make a record stale."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.report.records import load_run
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.runner.status import run_status
from tests.helpers import write_config

EXPERIMENT = "tiny-llama_sentiment_zero-shot"
FLIP = {"negative": "positive", "positive": "negative"}


def _accuracy(run: Path) -> float:
    results = json.loads((run / "experiments" / EXPERIMENT / "results.json").read_text())
    return results["metrics"]["accuracy"]["value"]


def _predicted(run: Path) -> list[str]:
    path = run / "experiments" / EXPERIMENT / "predictions.jsonl"
    return [json.loads(line)["prediction"] for line in path.read_text().splitlines()]


def _state(run: Path) -> tuple[str, str]:
    (record,) = load_run(run).experiments
    return record.state, record.stale_reason


@pytest.fixture()
def study(tmp_path: Path, tiny_causal_dir: Path) -> tuple[Path, Path, Path]:
    """A zero-shot study over a local eval file and a local copy of the tiny model."""
    eval_file = tmp_path / "data" / "eval.jsonl"
    eval_file.parent.mkdir()
    rows = resolve_builtin_data("builtin:sentiment/eval.jsonl").read_text().splitlines()
    # unbalanced (every negative, a third of the positives), so flipped labels move accuracy
    # even for a model that answers one class
    kept = [r for i, r in enumerate(rows) if '"negative"' in r or i % 3 == 0]
    eval_file.write_text("".join(row + "\n" for row in kept))
    model = tmp_path / "model"
    shutil.copytree(tiny_causal_dir, model)
    config = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(config.read_text())
    data["tasks"][0]["eval"] = str(eval_file)
    data["models"][1]["path"] = str(model)
    data["matrix"] = {"include": [{"models": ["tiny-llama"], "modes": ["zero-shot"]}]}
    config.write_text(yaml.safe_dump(data))
    return config, eval_file, model


def test_flipped_gold_labels_make_the_experiment_stale(study, tmp_path: Path) -> None:
    config, eval_file, _ = study
    run = tmp_path / "run"
    assert run_plan(load_plan(config), run).ok
    before, predicted = _accuracy(run), _predicted(run)
    assert _state(run) == ("complete", "")

    rows = [json.loads(line) for line in eval_file.read_text().splitlines()]
    flipped = [row | {"label": FLIP[row["label"]]} for row in rows]
    eval_file.write_text("".join(json.dumps(row) + "\n" for row in flipped))
    # status fingerprints the files again: stale, and why, before any rerun
    status = run_status(run)
    assert status.states == {EXPERIMENT: "stale"}
    assert status.reasons == {EXPERIMENT: f"data file {eval_file} changed"}
    shown = CliRunner().invoke(app, ["status", str(run)], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert "stale" in shown.output and "eval.jsonl changed" in shown.output

    assert run_plan(load_plan(config), run).ok
    after = _accuracy(run)
    # zero-shot predictions do not depend on the gold labels; every binary label flipped
    assert _predicted(run) == predicted
    assert after == pytest.approx(1 - before)
    assert after != pytest.approx(before)
    previous = run / "experiments" / EXPERIMENT / "results.previous.json"
    assert json.loads(previous.read_text())["metrics"]["accuracy"]["value"] == before
    assert _state(run) == ("complete", "")


def test_a_changed_model_folder_makes_the_experiment_stale(study, tmp_path: Path) -> None:
    config, _, model = study
    run = tmp_path / "run"
    assert run_plan(load_plan(config), run).ok
    results = run / "experiments" / EXPERIMENT / "results.json"
    finished = json.loads(results.read_text())["finished_at"]
    settings = json.loads((model / "config.json").read_text())
    settings["benchlab_test_note"] = "re-saved"
    (model / "config.json").write_text(json.dumps(settings))

    summary = run_plan(load_plan(config), run)
    assert summary.ok
    record = json.loads(results.read_text())
    previous = json.loads((results.parent / "results.previous.json").read_text())
    assert previous["finished_at"] == finished  # the old record was set aside, then redone
    assert record["provenance"]["inputs"]["model"] != previous["provenance"]["inputs"]["model"]
    log = sorted(run.glob("benchmark_*.log"))[-1].read_text()
    assert f"{EXPERIMENT}: stale (model changed" in log
