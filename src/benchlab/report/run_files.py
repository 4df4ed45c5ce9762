"""Read a finished run's experiments straight from `experiments/<id>/` for run-to-run comparison.

Each experiment brings its results.json, predictions.jsonl and, when the consistency pass ran,
consistency.jsonl.

Only complete experiments (results.json with status "complete") are read. Unlike the report,
which forgives half-written runs, a comparison refuses a predictions file it cannot parse: a
silently shorter file would change the paired items and the verdict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlab.errors import DataError

__all__ = ["RunExperiment", "read_run_experiments"]


@dataclass(frozen=True, eq=False)
class RunExperiment:
    """One complete experiment: its id, results.json and predictions.jsonl rows."""

    experiment_id: str
    results: dict[str, Any]
    rows: list[dict[str, Any]]
    #: consistency.jsonl lines (the consistency pass's per-item statistics), [] without one
    consistency: list[dict[str, Any]] = field(default_factory=list)

    def name(self, field: str) -> str:
        """model / task / mode / seed as results.json records it ('' when absent)."""
        value = self.results.get(field)
        return "" if value is None else str(value)

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """Metric name -> {value, ci_low, ci_high, n, ...}."""
        metrics = self.results.get("metrics")
        return metrics if isinstance(metrics, dict) else {}


def _read_rows(path: Path) -> list[dict[str, Any]]:
    """predictions.jsonl as dicts; a bad line raises DataError naming file and line."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as error:
                raise DataError(f"{path}:{number}: not valid JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{number}: expected a JSON object per line")
            rows.append(row)
    return rows


def read_run_experiments(run_dir: Path) -> dict[str, RunExperiment]:
    """Complete experiments of a run directory, by experiment id (sorted)."""
    folder = Path(run_dir) / "experiments"
    if not folder.is_dir():
        raise DataError(f"{run_dir}: no experiments/ folder; give a run directory")
    found: dict[str, RunExperiment] = {}
    for directory in sorted(p for p in folder.iterdir() if p.is_dir()):
        results_path = directory / "results.json"
        try:
            results = json.loads(results_path.read_text(encoding="utf-8"))
        except OSError:
            continue
        except ValueError as error:
            raise DataError(f"{results_path}: not valid JSON ({error})") from None
        if not isinstance(results, dict) or results.get("status") != "complete":
            continue
        predictions = directory / "predictions.jsonl"
        rows = _read_rows(predictions) if predictions.is_file() else []
        consistency = directory / "consistency.jsonl"
        items = _read_rows(consistency) if consistency.is_file() else []
        found[directory.name] = RunExperiment(directory.name, results, rows, items)
    if not found:
        raise DataError(f"{run_dir}: no complete experiment (results.json) under experiments/")
    return found
