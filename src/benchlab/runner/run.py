"""Runs a plan: experiments one after another, resuming, recording failures, logging."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from benchlab.progress import ProgressReporter, SilentProgress
from benchlab.record.atomic import write_json_atomic, write_text_atomic
from benchlab.runner.experiment import spec_hash, spec_json
from benchlab.runner.layout import RunLayout
from benchlab.runner.planning import Plan

__all__ = ["RunSummary", "run_plan", "select_experiments"]


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


def run_plan(
    plan: Plan,
    run_dir: Path,
    *,
    only: str | None = None,
    force: bool = False,
    progress: ProgressReporter | None = None,
    echo: Callable[[str], None] = lambda message: None,
) -> RunSummary:
    """Run the selected experiments in order; complete ones are skipped unless `force`."""
    from benchlab.runner.experiment import run_experiment
    from benchlab.runner.quiet import quiet_libraries

    quiet_libraries()
    progress = progress or SilentProgress()
    layout = RunLayout(Path(run_dir))
    layout.root.mkdir(parents=True, exist_ok=True)
    selected = select_experiments(plan, only)
    write_json_atomic(
        layout.plan,
        {
            "config_path": str(plan.path),
            "config": plan.config.model_dump(mode="json"),
            "profile": plan.profile,
            "experiments": [
                spec_json(spec) | {"spec_hash": spec_hash(spec)} for spec in plan.experiments
            ],
        },
    )
    logger = _open_log(layout)
    summary = RunSummary(layout.root)
    logger.info(
        "run %s: %d experiments selected (profile %s)", plan.path, len(selected), plan.profile
    )
    with progress.track("matrix", len(selected)) as advance:
        for spec in selected:
            files = layout.experiment(spec.id)
            state = files.state(spec_hash(spec))
            if state == "complete" and not force:
                logger.info("%s: complete, skipped", spec.id)
                summary.states[spec.id] = "complete"
                advance(1)
                continue
            logger.info("%s: started", spec.id)
            echo(f"[bold]{spec.id}[/bold] started")
            try:
                results = run_experiment(spec, files, progress, logger.info)
            except KeyboardInterrupt:
                files.running.unlink(missing_ok=True)
                raise
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
                files.running.unlink(missing_ok=True)
                logger.error("%s: failed: %s", spec.id, message)
                echo(f"[red]{spec.id} failed:[/red] {message}")
                summary.states[spec.id] = "failed"
                summary.errors[spec.id] = message
            else:
                summary.states[spec.id] = "complete"
                logger.info("%s: complete %s", spec.id, _headline(results))
                echo(f"[green]{spec.id}[/green] complete {_headline(results)}")
            advance(1)
    logger.info(
        "run finished: %s",
        {s: list(summary.states.values()).count(s) for s in set(summary.states.values())},
    )
    return summary


def _headline(results: dict[str, Any]) -> str:
    metrics = results.get("metrics", {})
    if not metrics:
        return ""
    name, metric = next(iter(metrics.items()))
    return f"{name}={metric['value']:.3f} [{metric['ci_low']:.3f}, {metric['ci_high']:.3f}]"
