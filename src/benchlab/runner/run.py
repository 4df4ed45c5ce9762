"""Runs a plan: resuming by content, one run per directory, failures recorded, logged."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from benchlab.progress import ProgressReporter, SilentProgress
from benchlab.record.atomic import write_json_atomic, write_text_atomic
from benchlab.record.layout import ExperimentFiles, RunLayout
from benchlab.record.lock import RunLock
from benchlab.record.state import experiment_state
from benchlab.runner.executors import Job, JobOutcome, build_executor
from benchlab.runner.fingerprints import input_fingerprints, spec_hash, spec_json
from benchlab.runner.planning import Plan

__all__ = ["ExperimentStep", "RunSummary", "plan_entries", "run_plan", "select_experiments"]


@dataclass
class RunSummary:
    """What happened to each experiment of a run."""

    run_dir: Path
    states: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every selected experiment is complete."""
        return all(state == "complete" for state in self.states.values())


def select_experiments(plan: Plan, only: str | None) -> list:
    """The plan's experiments whose id matches the `--only` glob."""
    if only is None:
        return list(plan.experiments)
    return [spec for spec in plan.experiments if fnmatchcase(spec.id, only)]


def _open_log(layout: RunLayout) -> logging.Logger:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d_%H%M%S")
    logger = logging.getLogger(f"benchlab.run.{layout.root}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    handler = logging.FileHandler(layout.root / f"benchmark_{stamp}.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:500]


def plan_entries(plan: Plan) -> list[dict[str, Any]]:
    """run.json's experiments: spec, spec hash and the input fingerprints resume compares."""
    return [
        spec_json(spec) | {"spec_hash": spec_hash(spec), "inputs": input_fingerprints(spec)}
        for spec in plan.experiments
    ]


def run_plan(
    plan: Plan,
    run_dir: Path,
    *,
    only: str | None = None,
    force: bool = False,
    progress: ProgressReporter | None = None,
    echo: Callable[[str], None] = lambda message: None,
    executor: str | None = None,
) -> RunSummary:
    """Run the selected experiments; up-to-date complete ones are skipped unless `force`.

    `executor` overrides the config's `executor:` (local or ray). Holds the run directory's
    lock throughout: a second run on the same directory is refused (RunLockedError) before it
    writes anything.
    """
    executor = executor or plan.config.executor
    layout = RunLayout(Path(run_dir))
    with RunLock(layout.root):
        return _run_locked(plan, layout, only, force, progress or SilentProgress(), echo, executor)


def _run_locked(
    plan: Plan,
    layout: RunLayout,
    only: str | None,
    force: bool,
    progress: ProgressReporter,
    echo: Callable[[str], None],
    executor: str,
) -> RunSummary:
    from benchlab.runner.quiet import quiet_libraries

    quiet_libraries()
    selected = select_experiments(plan, only)
    entries = plan_entries(plan)
    write_json_atomic(
        layout.plan,
        {
            "config_path": str(plan.path),
            "config": plan.config.model_dump(mode="json"),
            "profile": plan.profile,
            "experiments": entries,
        },
    )
    expected = {entry["id"]: entry for entry in entries}
    logger = _open_log(layout)
    summary = RunSummary(layout.root)
    logger.info(
        "run %s: %d experiments selected (profile %s)", plan.path, len(selected), plan.profile
    )
    jobs = [Job(spec, layout.experiment(spec.id), expected[spec.id]) for spec in selected]
    step = ExperimentStep(force, _now(), progress, logger, echo)

    with progress.track("matrix", len(selected)) as advance:

        def on_outcome(outcome: JobOutcome) -> None:
            summary.states[outcome.experiment_id] = outcome.state
            if outcome.error is not None:
                summary.errors[outcome.experiment_id] = outcome.error
            if outcome.host is not None:  # ran on a worker: its own log is in its folder
                _log_remote(outcome, logger, echo)
            advance(1)

        build_executor(executor, config=plan.config).execute(jobs, step, on_outcome)
    logger.info(
        "run finished: %s",
        {s: list(summary.states.values()).count(s) for s in set(summary.states.values())},
    )
    return summary


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


@dataclass
class ExperimentStep:
    """Runs one job to its outcome: skip if up to date, else run and record success or failure.

    `detached()` is the same step for a worker process (Ray): no progress bars or echo, and
    each experiment logs to its own `experiment.log`.
    """

    force: bool
    run_started: str
    progress: ProgressReporter = field(default_factory=SilentProgress)
    logger: logging.Logger | None = None
    echo: Callable[[str], None] | None = None

    def detached(self) -> ExperimentStep:
        """A picklable copy for a worker: it reports through the files it writes."""
        return ExperimentStep(self.force, self.run_started)

    def __call__(self, job: Job) -> JobOutcome:
        """Run the job here (see the class docstring)."""
        if self.logger is not None:
            return _step(job, self, self.progress, self.logger, self.echo or (lambda m: None))
        from benchlab.runner.executors.ray_worker import wait_while_running, worker_logger

        with worker_logger(job.files) as logger:
            wait_while_running(job, logger)
            return _step(job, self, self.progress, logger, lambda message: None)


def _log_remote(outcome: JobOutcome, logger: logging.Logger, echo: Callable[[str], None]) -> None:
    where = f"on {outcome.host}"
    if outcome.state == "failed":
        logger.error("%s: failed %s: %s", outcome.experiment_id, where, outcome.error)
        echo(f"[red]{outcome.experiment_id} failed {where}:[/red] {outcome.error}")
    elif outcome.skipped:
        logger.info("%s: complete, skipped %s", outcome.experiment_id, where)
    else:
        headline = _headline(outcome.results or {})
        logger.info("%s: complete %s %s", outcome.experiment_id, where, headline)
        echo(f"[green]{outcome.experiment_id}[/green] complete {where} {headline}")


def _step(
    job: Job,
    step: ExperimentStep,
    progress: ProgressReporter,
    logger: logging.Logger,
    echo: Callable[[str], None],
) -> JobOutcome:
    """Skip an up-to-date experiment, else run it and record success or failure."""
    from benchlab.runner.experiment import run_experiment

    spec, files, force = job.spec, job.files, step.force
    report = experiment_state(files, job.expected)
    redone = step.logger is None and _finished_since(files, step.run_started)  # a retried task
    if report.state == "complete" and (not force or redone):
        logger.info("%s: complete, skipped", spec.id)
        return JobOutcome(spec.id, "complete", skipped=True, host=_host(step))
    if report.state == "stale":
        logger.info("%s: stale (%s), rerun", spec.id, report.reason)
    logger.info("%s: started", spec.id)
    echo(f"[bold]{spec.id}[/bold] started")
    try:
        results = run_experiment(
            spec, files, progress, logger.info, inputs=job.expected.get("inputs")
        )
    except Exception as error:
        message = _one_line(error)
        write_text_atomic(files.traceback, traceback.format_exc())
        write_json_atomic(
            files.failure,
            {
                "status": "failed",
                "error": message,
                "traceback": "traceback.txt",
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
        )
        logger.error("%s: failed: %s", spec.id, message)
        echo(f"[red]{spec.id} failed:[/red] {message}")
        return JobOutcome(spec.id, "failed", error=message, host=_host(step))
    logger.info("%s: complete %s", spec.id, _headline(results))
    echo(f"[green]{spec.id}[/green] complete {_headline(results)}")
    return JobOutcome(spec.id, "complete", results=results, host=_host(step))


def _host(step: ExperimentStep) -> str | None:
    """The worker's host name for an outcome reached off the driver (None when run here)."""
    return None if step.logger is not None else socket.gethostname()


def _finished_since(files: ExperimentFiles, since: str) -> bool:
    """Whether the record was written during this run (a forced rerun then keeps it)."""
    finished = (files.read_results() or {}).get("finished_at")
    try:
        return datetime.fromisoformat(str(finished)) >= datetime.fromisoformat(since)
    except ValueError:
        return False


def _headline(results: dict[str, Any]) -> str:
    metrics = results.get("metrics", {})
    if not metrics:
        return ""
    name, metric = next(iter(metrics.items()))
    value, low, high = (_number(metric[key]) for key in ("value", "ci_low", "ci_high"))
    return f"{name}={value} [{low}, {high}]"


def _number(value: float | None) -> str:
    return "nan" if value is None else f"{value:.3f}"
