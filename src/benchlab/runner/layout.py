"""Where a run keeps its files, and what state each experiment is in."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["ExperimentFiles", "ExperimentState", "RunLayout"]

ExperimentState = Literal["complete", "failed", "running", "pending", "stale"]


@dataclass(frozen=True)
class ExperimentFiles:
    """The files of one experiment directory."""

    root: Path

    @property
    def results(self) -> Path:
        """Metrics, costs and provenance; written last, so its presence means complete."""
        return self.root / "results.json"

    @property
    def previous_results(self) -> Path:
        """The results of an earlier attempt, set aside when a rerun starts."""
        return self.root / "results.previous.json"

    @property
    def predictions(self) -> Path:
        """One scored prediction per line."""
        return self.root / "predictions.jsonl"

    @property
    def history(self) -> Path:
        """Training loss per logging step and validation metrics per evaluation."""
        return self.root / "history.json"

    @property
    def failure(self) -> Path:
        """One-line error of a failed attempt."""
        return self.root / "failure.json"

    @property
    def traceback(self) -> Path:
        """Full traceback of a failed attempt."""
        return self.root / "traceback.txt"

    @property
    def running(self) -> Path:
        """Marker with the pid and start time of an attempt in progress."""
        return self.root / "running.json"

    @property
    def error_analysis(self) -> Path:
        """Confusion matrix and misclassified examples."""
        return self.root / "error_analysis"

    def read_results(self) -> dict[str, Any] | None:
        """The parsed results.json, or None if absent or unreadable."""
        try:
            return json.loads(self.results.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def state(self, spec_hash: str | None = None) -> ExperimentState:
        """complete / failed / running / pending, or stale when the spec changed since."""
        results = self.read_results()
        if results is not None and results.get("status") == "complete":
            if spec_hash is not None and results.get("spec_hash") != spec_hash:
                return "stale"
            return "complete"
        if self.running.exists() and _alive(self.running):
            return "running"
        if self.failure.exists():
            return "failed"
        return "pending"


def _alive(marker: Path) -> bool:
    try:
        pid = int(json.loads(marker.read_text())["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError):
        return False
    return True


@dataclass(frozen=True)
class RunLayout:
    """A run directory: the plan, the log, one folder per experiment, the analysis."""

    root: Path

    @property
    def plan(self) -> Path:
        """The resolved config and experiment list of the latest invocation."""
        return self.root / "run.json"

    @property
    def shared(self) -> Path:
        """Artifacts several experiments reuse, e.g. one SFT model evaluated on every task."""
        return self.root / "shared"

    @property
    def analysis(self) -> Path:
        """Cross-experiment tables, plots and the HTML report."""
        return self.root / "analysis"

    def experiment(self, experiment_id: str) -> ExperimentFiles:
        """The files of one experiment."""
        return ExperimentFiles(self.root / "experiments" / experiment_id)

    def experiment_ids(self) -> list[str]:
        """Experiments in the plan, else every experiment folder on disk."""
        try:
            return [e["id"] for e in json.loads(self.plan.read_text())["experiments"]]
        except (OSError, ValueError, KeyError):
            folder = self.root / "experiments"
            return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []

    def logs(self) -> list[Path]:
        """Run logs, oldest first."""
        return sorted(self.root.glob("benchmark_*.log"))
