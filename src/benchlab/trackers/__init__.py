"""Experiment trackers a config can name (`trackers: [mlflow]`); nothing is sent unless named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchlab.errors import ConfigError
from benchlab.report.records import RunRecords

__all__ = ["TRACKERS", "log_trackers", "track_run"]

TRACKERS = ("mlflow",)


def log_trackers(run: RunRecords, analysis_dir: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Log the run to every tracker the config names; return what each logged."""
    names = list(config.get("trackers") or [])
    unknown = [n for n in names if n not in TRACKERS]
    if unknown:
        raise ConfigError(f"trackers: {unknown[0]!r} is not one of {list(TRACKERS)}")
    logged: dict[str, Any] = {}
    if "mlflow" in names:
        from benchlab.trackers.mlflow_tracker import log_to_mlflow

        logged["mlflow"] = log_to_mlflow(run, analysis_dir, config.get("tracking_uri"))
    return logged


def track_run(run_dir: Path) -> dict[str, Any]:
    """Log a run (after its report) to the trackers its config names ({} when none)."""
    from benchlab.record.layout import RunLayout
    from benchlab.report.records import load_run

    run = load_run(Path(run_dir))
    config = run.plan.get("config") or {}
    if not config.get("trackers"):
        return {}
    return log_trackers(run, RunLayout(Path(run_dir)).analysis, config)
