"""`benchlab judge CONFIG`: pairwise LLM-as-judge comparison against a reference model."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from benchlab.cli.errors import friendly_errors

if TYPE_CHECKING:
    from benchlab.judge.quality import JudgeQuality

__all__ = ["judge_command", "register"]

#: Exit status when the run stopped early (budget cap, endpoint down); results are kept.
EXIT_INCOMPLETE = 3


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


def judge_command(config: Path, output_dir: Path | None = None) -> int:
    """Run a judge config and print the per-category table; returns the exit status.

    Raises BenchlabError for problems the user can fix (the command prints them in one line).
    """
    from benchlab.judge.config import load_judge_config
    from benchlab.judge.pipeline import run_judge_config
    from benchlab.tasks.judge_prompts import prompts_from_task

    outcome, paths = run_judge_config(
        load_judge_config(config), output_dir=output_dir, task_prompts=prompts_from_task
    )
    for name, summary in outcome.summaries.items():
        typer.echo(f"{name} vs {outcome.reference} (judge {outcome.judge})")
        typer.echo(f"  {'category':<24} {'n':>4} {'W':>4} {'L':>4} {'T':>4}  score [95% CI]")
        rows = [*summary.categories.items(), ("overall (pooled)", summary.overall)]
        for category, m in rows:
            typer.echo(
                f"  {category:<24} {m.n:>4} {m.wins:>4} {m.losses:>4} {m.ties:>4}  "
                f"{_fmt(m.score.value)} [{_fmt(m.score.ci_low)}, {_fmt(m.score.ci_high)}]"
                + ("  (!)" if m.warning else "")
            )
        w = summary.weighted_score
        typer.echo(
            f"  {'overall (weighted)':<24} {w.n:>4} {'':>14}  "
            f"{_fmt(w.value)} [{_fmt(w.ci_low)}, {_fmt(w.ci_high)}]"
        )
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
        return EXIT_INCOMPLETE
    return 0


def register(app: typer.Typer) -> None:
    """Add the `judge` command to a Typer app."""

    @app.command("judge")
    @friendly_errors
    def judge(
        config: Annotated[Path, typer.Argument(help="judge config YAML")],
        output_dir: Annotated[
            Path | None, typer.Option("--output-dir", "-o", help="overrides output_dir")
        ] = None,
    ) -> None:
        """Compare candidate models with a reference model using an LLM judge."""
        raise typer.Exit(judge_command(config, output_dir))
