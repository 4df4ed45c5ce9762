"""Logs a run's experiments to MLflow: parameters, every metric with its CI bounds and n, costs,
results.json and the report files.

The store is local unless the config names one: SQLite at RUN_DIR/mlflow.db, artifacts under
RUN_DIR/mlflow-artifacts. Each benchlab experiment is one MLflow run, tagged with its id and
spec hash; logging again after a resumed run adds only experiments not logged before, so the
store never holds two runs for one result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from benchlab.errors import BackendUnavailableError
from benchlab.report.records import ExperimentRecord, RunRecords

__all__ = ["default_tracking_uri", "log_to_mlflow", "metric_key"]

_ALLOWED = re.compile(r"[^A-Za-z0-9_\-. :/]")
_REPORT_FILES = ("report.html", "comparison_table.csv", "summary_stats.txt", "technical_report.md")


def metric_key(name: str) -> str:
    """An MLflow-legal metric name ('pass@1' -> 'pass_1'); the original is kept in a tag."""
    return _ALLOWED.sub("_", name)


def default_tracking_uri(run_dir: Path) -> str:
    """SQLite inside the run directory."""
    return f"sqlite:///{Path(run_dir).resolve() / 'mlflow.db'}"


def _flat(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = json.dumps(value) if isinstance(value, (list, tuple)) else str(value)


def _params(record: ExperimentRecord) -> dict[str, str]:
    spec = ((record.results or {}).get("provenance") or {}).get("spec") or record.spec
    params: dict[str, str] = {}
    for part in ("model", "task", "mode", "profile"):
        _flat(part, spec.get(part) or {}, params)
    params["seed"] = str((record.results or {}).get("seed"))
    return {key: value[:6000] for key, value in params.items()}


def _metrics(record: ExperimentRecord) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for name, metric in record.metrics.items():
        key = metric_key(name)
        for field, suffix in (
            ("value", ""),
            ("ci_low", ".ci_low"),
            ("ci_high", ".ci_high"),
            ("n", ".n"),
        ):
            value = metric.get(field)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                metrics[key + suffix] = float(value)
    cost = record.cost
    latency = cost.get("latency_ms") or {}
    extra = {
        "cost.train_seconds": record.training.get("train_seconds"),
        "cost.trainable_percent": record.training.get("trainable_percent"),
        "cost.latency_p50_ms": latency.get("p50"),
        "cost.latency_p95_ms": latency.get("p95"),
        "cost.throughput_examples_per_second": cost.get("throughput_examples_per_second"),
        "cost.peak_rss_mb": cost.get("peak_rss_mb"),
        "cost.peak_gpu_mb": cost.get("peak_gpu_mb"),
    }
    metrics.update({k: float(v) for k, v in extra.items() if isinstance(v, (int, float))})
    return metrics


def log_to_mlflow(
    run: RunRecords, analysis_dir: Path | None = None, tracking_uri: str | None = None
) -> dict[str, str]:
    """Log every complete experiment not logged yet; return {experiment id: MLflow run id}."""
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise BackendUnavailableError(
            "trackers: [mlflow] needs MLflow: pip install mlflow-skinny sqlalchemy alembic"
        ) from exc
    uri = tracking_uri or default_tracking_uri(run.root)
    client = MlflowClient(tracking_uri=uri)
    name = str((run.plan.get("config") or {}).get("name") or run.root.name)
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        location = (
            (run.root.resolve() / "mlflow-artifacts").as_uri() if tracking_uri is None else None
        )
        experiment_id = client.create_experiment(name, artifact_location=location)
    else:
        experiment_id = experiment.experiment_id
    logged = {}
    for record in run.complete:
        results = record.results or {}
        found = client.search_runs(
            [experiment_id],
            filter_string=(
                f"tags.`benchlab.experiment_id` = '{record.experiment_id}' and "
                f"tags.`benchlab.spec_hash` = '{results.get('spec_hash')}' and "
                f"tags.`benchlab.finished_at` = '{results.get('finished_at')}'"
            ),
        )
        if found:
            logged[record.experiment_id] = found[0].info.run_id
            continue
        tags = {
            "benchlab.experiment_id": record.experiment_id,
            "benchlab.spec_hash": str(results.get("spec_hash")),
            "benchlab.finished_at": str(results.get("finished_at")),
            "benchlab.metric_names": json.dumps({metric_key(m): m for m in record.metrics}),
        }
        mlflow_run = client.create_run(experiment_id, run_name=record.experiment_id, tags=tags)
        run_id = mlflow_run.info.run_id
        for key, value in _params(record).items():
            client.log_param(run_id, key, value)
        for key, value in _metrics(record).items():
            client.log_metric(run_id, key, value)
        client.log_artifact(run_id, str(record.files.results))
        for file_name in _REPORT_FILES if analysis_dir is not None else ():
            path = Path(analysis_dir) / file_name
            if path.is_file():
                client.log_artifact(run_id, str(path), artifact_path="report")
        client.set_terminated(run_id)
        logged[record.experiment_id] = run_id
    return logged
