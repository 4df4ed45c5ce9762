"""`benchlab judge CONFIG`: pairwise LLM-as-judge comparison against a reference model.

Exit status: 0 every pair judged; 2 bad input (config, data, missing key: nothing judged);
3 stopped at the budget cap; 4 stopped because the endpoint kept failing. Judged pairs are
kept and reported after a stop, and a rerun pays only for what the cache does not hold.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from benchlab.cli.errors import friendly_errors

if TYPE_CHECKING:
    from benchlab.judge.pairwise import PairwiseMetrics
    from benchlab.judge.quality import JudgeQuality
    from benchlab.judge.summary import CandidateSummary, JudgeOutcome

__all__ = ["EXIT_BAD_INPUT", "EXIT_BUDGET", "EXIT_ENDPOINT", "judge_command", "register"]

#: Exit status for bad input (config, data files, a missing API key): nothing was judged.
EXIT_BAD_INPUT = 2
#: Exit status when the budget cap stopped the run; judged pairs are kept and reported.
EXIT_BUDGET = 3
#: Exit status when an endpoint kept failing (after retries); judged pairs are kept.
EXIT_ENDPOINT = 4


def _fmt(x: float) -> str:
    return "  n/a" if math.isnan(x) else ("  inf" if math.isinf(x) else f"{x:5.3f}")


def _echo_quality(quality: JudgeQuality) -> None:
    """The judge's reliability: each rate with its CI and n, where it was measured (n > 0)."""
    rows = [
        ("position-flip rate", quality.position_flip_rate),
        ("repeat agreement", quality.repeat_agreement),
        ("longer-answer share", quality.longer_answer_share),
        ("unparseable rate", quality.unparseable_rate),
    ]
    for label, m in rows:
        if m.n:
            typer.echo(
                f"{label + ':':<21}{_fmt(m.value)} [{_fmt(m.ci_low)}, {_fmt(m.ci_high)}] (n={m.n})"
            )
    if quality.unparseable_reasons:
        reasons = ", ".join(f"{k} {v}" for k, v in quality.unparseable_reasons.items())
        typer.echo(f"unparseable verdicts: {reasons}")


def _echo_bradley_terry(strengths: dict[str, tuple[float, Any]] | None) -> None:
    """Bradley-Terry strengths, strongest first (only fitted for three or more models)."""
    if not strengths:
        return
    typer.echo("Bradley-Terry strength (geometric mean 1) [95% CI]:")
    for model, (strength, ci) in sorted(strengths.items(), key=lambda item: -item[1][0]):
        typer.echo(f"  {model:<24} {_fmt(strength)} [{_fmt(ci.low)}, {_fmt(ci.high)}]")


def _metrics_row(label: str, m: PairwiseMetrics) -> str:
    return (
        f"  {label:<28} {m.n:>4} {m.wins:>4} {m.losses:>4} {m.ties:>4}  "
        f"{_fmt(m.score.value)} [{_fmt(m.score.ci_low)}, {_fmt(m.score.ci_high)}]"
        + ("  (!)" if m.warning else "")
    )


def _echo_tables(outcome: JudgeOutcome, name: str, summary: CandidateSummary) -> None:
    """One table per turn (one in all for single questions), then the overall rows."""
    turns = sorted(set(outcome.category_turns.values())) or [1]
    for turn in turns:
        title = f" (turn {turn})" if len(turns) > 1 else ""
        typer.echo(f"{name} vs {outcome.reference}{title} (judge {outcome.judge})")
        typer.echo(f"  {'category':<28} {'n':>4} {'W':>4} {'L':>4} {'T':>4}  score [95% CI]")
        for category, m in summary.categories.items():
            if outcome.category_turns.get(category, 1) == turn:
                typer.echo(_metrics_row(category, m))
        if turn in summary.turns:
            typer.echo(_metrics_row(f"turn {turn} (pooled)", summary.turns[turn]))
    typer.echo(_metrics_row("overall (pooled)", summary.overall))
    w = summary.weighted_score
    typer.echo(
        f"  {'overall (weighted)':<28} {w.n:>4} {'':>14}  "
        f"{_fmt(w.value)} [{_fmt(w.ci_low)}, {_fmt(w.ci_high)}]"
    )


def _progress_bars() -> Any:
    """A rich progress display on stderr (tables go to stdout) with ETA."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def judge_command(config: Path, output_dir: Path | None = None, *, progress: bool = True) -> int:
    """Run a judge config and print the per-category tables; returns the exit status.

    Raises BenchlabError for problems the user can fix (the command prints them in one line).
    """
    from benchlab.judge.config import load_judge_config
    from benchlab.judge.pipeline import run_judge_config
    from benchlab.progress import RichProgress
    from benchlab.tasks.judge_prompts import prompts_from_task

    settings = load_judge_config(config)
    if progress:
        with _progress_bars() as bars:
            outcome, paths = run_judge_config(
                settings,
                output_dir=output_dir,
                task_prompts=prompts_from_task,
                progress=RichProgress(bars),
            )
    else:
        outcome, paths = run_judge_config(
            settings, output_dir=output_dir, task_prompts=prompts_from_task
        )
    for name, summary in outcome.summaries.items():
        _echo_tables(outcome, name, summary)
    _echo_bradley_terry(outcome.bradley_terry)
    _echo_quality(outcome.quality)
    cost = outcome.cost
    if cost:
        cap = cost["max_usd"]
        typer.echo(
            f"calls: {cost['paid_calls']} paid, {cost['cached_calls']} cached; "
            f"spent ${cost['spent_usd']:.4f} (study total ${cost['study_spent_usd']:.4f}"
            + (f" of ${cap:.4f})" if cap is not None else ")")
        )
    typer.echo(f"wrote {paths['summary'].parent}")
    if not outcome.complete:
        typer.echo(
            f"stopped early, {outcome.unjudged_pairs} pair(s) unjudged: {outcome.stopped_reason}",
            err=True,
        )
        return EXIT_BUDGET if outcome.stopped_by == "budget" else EXIT_ENDPOINT
    return 0


_HELP = (
    "Compare candidate models with a reference model using an LLM judge.\n\n"
    "Exit status: 0 all pairs judged; 2 bad input (config, data, API key); 3 stopped at the "
    "budget cap; 4 stopped because the endpoint kept failing. After a stop, judged pairs are "
    "reported and a rerun pays only for the rest."
)


def register(app: typer.Typer) -> None:
    """Add the `judge` command to a Typer app."""

    @app.command("judge", help=_HELP)
    @friendly_errors
    def judge(
        config: Annotated[Path, typer.Argument(help="judge config YAML")],
        output_dir: Annotated[
            Path | None, typer.Option("--output-dir", "-o", help="overrides output_dir")
        ] = None,
    ) -> None:
        """Compare candidate models with a reference model using an LLM judge."""
        raise typer.Exit(judge_command(config, output_dir))
