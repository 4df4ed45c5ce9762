"""A terminal table of a run: one row per experiment with its headline metric and costs."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from benchlab.record.layout import RunLayout
from benchlab.record.state import experiment_state

__all__ = ["summary_table"]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summary_table(run_dir: Path) -> Table:
    """Experiment, state, first metric with its 95% CI and n, training time, latency p50."""
    layout = RunLayout(Path(run_dir))
    planned = layout.planned()
    table = Table(title=f"benchlab run {run_dir}")
    table.add_column("experiment", no_wrap=True)
    table.add_column("state", no_wrap=True)
    for column in ("metric", "value [95% CI]", "n", "train s", "p50 ms"):
        table.add_column(column, justify="right", no_wrap=True)
    for experiment_id in layout.experiment_ids():
        files = layout.experiment(experiment_id)
        state = experiment_state(files, planned.get(experiment_id)).state
        results = files.read_results() if state == "complete" else None
        if not results or not results.get("metrics"):
            table.add_row(experiment_id, state, "", "", "", "", "")
            continue
        name, metric = next(iter(results["metrics"].items()))
        training = results.get("training") or {}
        value, low, high = (_fmt(metric[key], 3) for key in ("value", "ci_low", "ci_high"))
        table.add_row(
            experiment_id,
            state,
            name,
            f"{value} [{low}, {high}]",
            str(metric["n"]),
            _fmt(training.get("train_seconds")),
            _fmt(results["cost"]["latency_ms"]["p50"]),
        )
    return table
