"""The state of a run directory: counts, elapsed time, ETA and the end of the log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from rich.table import Table

from benchlab.record.layout import RunLayout
from benchlab.record.lock import active_holder
from benchlab.record.marker import read_marker
from benchlab.record.state import experiment_state
from benchlab.runner.fingerprints import current_inputs

__all__ = ["RunStatus", "run_status"]


def _parse(stamp: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None


@dataclass
class RunStatus:
    """Per-experiment states and timings of one run directory."""

    layout: RunLayout
    states: dict[str, str]
    durations: dict[str, float]
    running_since: dict[str, datetime]
    reasons: dict[str, str]
    holder: str | None = None  # the `benchlab run` working in the directory now, if any

    def counts(self) -> Counter:
        """How many experiments are in each state."""
        return Counter(self.states.values())

    def eta_seconds(self) -> float | None:
        """Mean duration of completed experiments times those left (None before the first)."""
        if not self.durations:
            return None
        left = sum(1 for s in self.states.values() if s in ("pending", "running", "stale"))
        return left * sum(self.durations.values()) / len(self.durations)

    def headline(self) -> str:
        """One line: counts, elapsed of the running experiment, ETA."""
        counts = ", ".join(f"{n} {state}" for state, n in sorted(self.counts().items()))
        parts = [counts]
        if self.holder:
            parts.append(f"run in progress ({self.holder})")
        now = datetime.now(timezone.utc)
        for experiment_id, since in self.running_since.items():
            parts.append(f"{experiment_id} running for {(now - since).total_seconds():.0f}s")
        eta = self.eta_seconds()
        parts.append("ETA unknown" if eta is None else f"ETA {eta / 60:.1f} min")
        return " | ".join(parts)

    def table(self) -> Table:
        """A table of experiments with state, duration and why a stale one is stale."""
        table = Table(title=str(self.layout.root))
        table.add_column("experiment")
        table.add_column("state")
        table.add_column("seconds", justify="right")
        table.add_column("why")
        for experiment_id, state in self.states.items():
            seconds = self.durations.get(experiment_id)
            table.add_row(
                experiment_id,
                state,
                "" if seconds is None else f"{seconds:.0f}",
                self.reasons.get(experiment_id, ""),
            )
        return table

    def last_log_lines(self, n: int) -> list[str]:
        """The last n lines of the newest run log."""
        logs = self.layout.logs()
        if not logs or n <= 0:
            return []
        return logs[-1].read_text(encoding="utf-8", errors="replace").splitlines()[-n:]


def run_status(run_dir: Path, *, recheck_inputs: bool = True) -> RunStatus:
    """Read every experiment's state and timing from disk.

    With `recheck_inputs`, data files and model folders are fingerprinted again, so one edited
    since the last run shows as stale (and why) before the next run.
    """
    layout = RunLayout(Path(run_dir))
    planned = layout.planned()
    if recheck_inputs:
        for entry in planned.values():
            if isinstance(entry.get("inputs"), dict):
                entry["inputs"] = current_inputs(entry) or entry["inputs"]
    states, durations, running, reasons = {}, {}, {}, {}
    for experiment_id in layout.experiment_ids():
        files = layout.experiment(experiment_id)
        report = experiment_state(files, planned.get(experiment_id))
        states[experiment_id] = report.state
        if report.reason:
            reasons[experiment_id] = report.reason
        results = files.read_results()
        if report.state == "complete" and results:
            start, end = _parse(results.get("started_at")), _parse(results.get("finished_at"))
            if start and end:
                durations[experiment_id] = (end - start).total_seconds()
        if report.state == "running":
            since = _parse((read_marker(files.running) or {}).get("started_at"))
            if since:
                running[experiment_id] = since
    return RunStatus(layout, states, durations, running, reasons, active_holder(layout.root))
