"""Everything the report says about a run, computed once and rendered as CSV, text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.report.answer import Answer
from benchlab.report.comparisons import Comparison, ComparisonBook
from benchlab.report.judge_outputs import JudgeOutput, find_judge_outputs
from benchlab.report.questions import answer_questions, question_pairs
from benchlab.report.records import ExperimentRecord, RunRecords, load_run
from benchlab.report.selection import choose_baselines
from benchlab.report.tables import comparison_rows

__all__ = ["RunAnalysis", "analyse_run"]

DEFAULT_RESAMPLES = 1000


@dataclass(frozen=True)
class RunAnalysis:
    """A run's records, baselines, paired comparisons, answers and judge outputs."""

    run: RunRecords
    baselines: dict[str, ExperimentRecord]
    per_task: dict[str, list[Comparison]]
    comparisons: list[Comparison]
    answers: list[Answer]
    rows: list[dict[str, Any]]
    judges: list[JudgeOutput]
    n_resamples: int


def _resamples(run: RunRecords) -> int:
    """The run profile's bootstrap_resamples, so report CIs match the experiments' own."""
    for spec in run.plan.get("experiments", []):
        value = (spec.get("profile") or {}).get("bootstrap_resamples")
        if isinstance(value, int) and value > 0:
            return value
    return DEFAULT_RESAMPLES


def analyse_run(run_dir: Path, baseline: str | None = None) -> RunAnalysis:
    """Load a run, pick baselines, run every paired comparison once and Holm-adjust them."""
    run = load_run(run_dir)
    baselines = choose_baselines(run, baseline)
    seed = int((run.complete[0].results or {}).get("seed", 0)) if run.complete else 0
    book = ComparisonBook(seed=seed, n_resamples=_resamples(run))
    for task, reference in baselines.items():
        for record in run.complete:
            if record.task == task and record is not reference:
                book.want(reference, record)
    for a, b in question_pairs(run):
        book.want(a, b)
    book.run()
    per_task = {
        task: [
            c
            for record in run.complete
            if record.task == task and record is not reference
            for c in [book.get(reference, record)]
            if c is not None
        ]
        for task, reference in baselines.items()
    }
    return RunAnalysis(
        run,
        baselines,
        per_task,
        book.all(),
        answer_questions(run, book),
        comparison_rows(run),
        find_judge_outputs(run.root),
        book.n_resamples,
    )
