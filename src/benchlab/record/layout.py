"""Where a run keeps its files: the plan, the lock, the logs, one folder per experiment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.errors import BenchlabError

__all__ = ["ExperimentFiles", "NotARunError", "RunLayout"]


class NotARunError(BenchlabError):
    """A directory given as a run directory holds no run."""


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
        """Marker with host, pid, pid start time and heartbeat of an attempt in progress."""
        return self.root / "running.json"

    @property
    def error_analysis(self) -> Path:
        """Confusion matrix and misclassified examples."""
        return self.root / "error_analysis"

    def read_results(self) -> dict[str, Any] | None:
        """The parsed results.json, or None if absent or unreadable."""
        try:
            data = json.loads(self.results.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class RunLayout:
    """A run directory: the plan, the log, one folder per experiment, the analysis."""

    root: Path

    @property
    def plan(self) -> Path:
        """The resolved config and experiment list of the latest invocation."""
        return self.root / "run.json"

    @property
    def lock(self) -> Path:
        """Held with fcntl by the one `benchlab run` working in this directory."""
        return self.root / "run.lock"

    def require_run(self) -> None:
        """Refuse a directory that is not a run (no run.json), before anything is written."""
        if not self.root.is_dir():
            raise NotARunError(f"run directory not found: {self.root}")
        if not self.plan.is_file():
            raise NotARunError(
                f"{self.root} is not a benchlab run directory (no run.json): pass the --out "
                "folder of a `benchlab run`, e.g. runs/NAME-PROFILE"
            )

    def planned(self) -> dict[str, dict[str, Any]]:
        """Experiment id -> its entry in run.json (spec, spec_hash, inputs); {} without a plan."""
        try:
            experiments = json.loads(self.plan.read_text(encoding="utf-8"))["experiments"]
        except (OSError, ValueError, KeyError, TypeError):
            return {}
        if not isinstance(experiments, list):
            return {}
        return {e["id"]: e for e in experiments if isinstance(e, dict) and "id" in e}

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
