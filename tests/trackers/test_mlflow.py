"""`trackers: [mlflow]`: every experiment's metrics, CI bounds and n read back through MLflow's
own client equal results.json; logging twice adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.trackers import track_run
from benchlab.trackers.mlflow_tracker import default_tracking_uri, metric_key
from tests.helpers import write_config
from tests.publish.run_fixture import write_publish_run

pytest.importorskip("mlflow", reason="mlflow not installed (optional: pip install mlflow-skinny)")


def _check_against_results(run_dir: Path, logged: dict[str, str]) -> int:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=default_tracking_uri(run_dir))
    checked = 0
    for experiment_id, run_id in logged.items():
        results = json.loads((run_dir / "experiments" / experiment_id / "results.json").read_text())
        data = client.get_run(run_id).data
        assert data.tags["benchlab.experiment_id"] == experiment_id
        assert data.params["seed"] == str(results["seed"])
        for name, metric in results["metrics"].items():
            key = metric_key(name)
            assert data.metrics[key] == metric["value"]
            assert data.metrics[f"{key}.ci_low"] == metric["ci_low"]
            assert data.metrics[f"{key}.ci_high"] == metric["ci_high"]
            assert data.metrics[f"{key}.n"] == metric["n"]
            checked += 1
        artifacts = {a.path for a in client.list_artifacts(run_id)}
        assert "results.json" in artifacts
    return checked


def test_fixture_run_logs_every_metric_once(tmp_path: Path) -> None:
    from mlflow.tracking import MlflowClient

    run_dir = tmp_path / "run"
    written = write_publish_run(run_dir)
    plan = json.loads((run_dir / "run.json").read_text())
    plan["config"]["trackers"] = ["mlflow"]
    (run_dir / "run.json").write_text(json.dumps(plan))
    first = track_run(run_dir)["mlflow"]
    assert set(first) == set(written)
    assert _check_against_results(run_dir, first) == 9
    assert track_run(run_dir)["mlflow"] == first  # idempotent
    client = MlflowClient(tracking_uri=default_tracking_uri(run_dir))
    [experiment] = client.search_experiments(filter_string="name = 'fixture'")
    assert len(client.search_runs([experiment.experiment_id])) == 3


@pytest.mark.slow
def test_small_matrix_with_mlflow_tracker(tmp_path: Path) -> None:
    config = write_config(tmp_path / "study.yaml", trackers=["mlflow"])
    run_dir = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["run", str(config), "--out", str(run_dir), "--only", "tiny-llama_sentiment_zero-shot"],
    )
    assert result.exit_code == 0, result.output
    logged = track_run(run_dir)["mlflow"]
    assert list(logged) == ["tiny-llama_sentiment_zero-shot"]
    assert _check_against_results(run_dir, logged) == 3
