"""What the report knows about a run: every experiment's state, results, predictions and error.

Reading is forgiving on purpose: a run may be half done, an experiment may have failed, a
file may be missing or truncated. Anything unreadable is treated as absent, never as a crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from benchlab.record.layout import ExperimentFiles, RunLayout
from benchlab.record.model import ExperimentRecord as TypedRecord
from benchlab.record.state import experiment_state

__all__ = ["ExperimentRecord", "RunRecords", "load_run"]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True, eq=False)
class ExperimentRecord:
    """One experiment of the run, complete or not."""

    experiment_id: str
    state: str
    files: ExperimentFiles
    results: dict[str, Any] | None = None
    error: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    stale_reason: str = ""

    @property
    def complete(self) -> bool:
        """Whether results.json says the experiment finished."""
        return self.results is not None

    @property
    def model(self) -> str:
        """Model name (from results, else guessed from the id)."""
        return self._field("model", 0)

    @property
    def task(self) -> str:
        """Task name (from results, else guessed from the id)."""
        return self._field("task", 1)

    @property
    def mode(self) -> str:
        """Mode name (from results, else guessed from the id)."""
        return self._field("mode", 2)

    def _field(self, key: str, position: int) -> str:
        """From results, else from the plan's spec, else guessed from `<model>_<task>_<mode>`."""
        if self.results and self.results.get(key):
            return str(self.results[key])
        planned = self.spec.get(key)
        if isinstance(planned, dict) and planned.get("name"):
            return str(planned["name"])
        parts = self.experiment_id.split("_")
        return parts[position] if len(parts) == 3 else ""

    @property
    def model_kind(self) -> str:
        """encoder / causal / ... ('' when unknown)."""
        planned = self.spec.get("model") or {}
        return str((self.results or {}).get("model_kind") or planned.get("kind") or "")

    @property
    def method(self) -> str:
        """Method type (finetune, lora, zero_shot, few_shot, ...)."""
        return str((self.results or {}).get("method") or "")

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """Metric name -> {value, ci_low, ci_high, n, ci_method}."""
        return dict((self.results or {}).get("metrics") or {})

    @property
    def headline_metrics(self) -> dict[str, dict[str, Any]]:
        """The metrics of the whole eval set; `name/group` ones (per subject, per letter,
        per extraction rule) belong to the experiment's own page, not the cross-run table."""
        return {name: metric for name, metric in self.metrics.items() if "/" not in name}

    @property
    def primary_metric(self) -> str | None:
        """The first metric the task reports (accuracy for classification)."""
        return next(iter(self.metrics), None)

    @property
    def training(self) -> dict[str, Any]:
        """The training record ({} for prompting methods)."""
        return dict((self.results or {}).get("training") or {})

    @property
    def cost(self) -> dict[str, Any]:
        """Eval time, throughput, latency, parameters and memory."""
        return dict((self.results or {}).get("cost") or {})

    @property
    def total_parameters(self) -> int | None:
        """Parameter count of the evaluated model."""
        value = self.cost.get("total_parameters") or self.training.get("total_parameters")
        return int(value) if value else None

    @property
    def label_names(self) -> list[str]:
        """Label names of a classification task, from the record ([] otherwise)."""
        results = self.results or {}
        if results.get("labels"):
            return list(results["labels"])
        options = (results.get("provenance") or {}).get("task", {}).get("options", {})
        return list(options.get("label_names") or [])

    @cached_property
    def predictions(self) -> list[dict[str, Any]]:
        """The scored predictions, one dict per example ([] when absent or unreadable)."""
        if not self.complete:
            return []
        rows = []
        try:
            with self.files.predictions.open(encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        rows.append(json.loads(line))
        except (OSError, ValueError):
            return []
        return rows

    @cached_property
    def typed(self) -> TypedRecord | None:
        """results.json validated as the runner's typed record (None if absent or not valid,
        e.g. written by hand or by an older benchlab)."""
        if self.results is None:
            return None
        try:
            return TypedRecord.model_validate(self.results)
        except ValueError:
            return None

    @cached_property
    def history(self) -> dict[str, Any]:
        """Training history (train_loss and eval lists), {} when there was no training."""
        data = _read_json(self.files.history)
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class RunRecords:
    """Every experiment of a run plus the run's plan, in plan order."""

    root: Path
    experiments: list[ExperimentRecord]
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> list[ExperimentRecord]:
        """The experiments with results."""
        return [e for e in self.experiments if e.complete]

    def tasks(self) -> list[str]:
        """Task names of complete experiments, in first-seen order."""
        return list(dict.fromkeys(e.task for e in self.complete))


def _error_line(files: ExperimentFiles) -> str | None:
    failure = _read_json(files.failure)
    if isinstance(failure, dict) and failure.get("error"):
        return str(failure["error"]).splitlines()[0]
    return None


def load_run(run_dir: Path) -> RunRecords:
    """Read a run directory (any state) into records."""
    layout = RunLayout(Path(run_dir))
    plan = _read_json(layout.plan)
    plan = plan if isinstance(plan, dict) else {}
    specs = layout.planned()
    experiments = []
    for experiment_id in layout.experiment_ids():
        files = layout.experiment(experiment_id)
        spec = specs.get(experiment_id, {})
        report = experiment_state(files, spec)  # results of changed inputs are stale
        results = files.read_results() if report.state == "complete" else None
        error = _error_line(files) if report.state == "failed" else None
        experiments.append(
            ExperimentRecord(
                experiment_id, report.state, files, results, error, spec, report.reason
            )
        )
    return RunRecords(Path(run_dir), experiments, plan)
