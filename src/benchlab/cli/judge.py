"""`benchlab judge CONFIG`: pairwise LLM-as-judge comparison against a reference model."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["judge_command", "register"]

#: Exit status when the run stopped early (budget cap, endpoint down); results are kept.
EXIT_INCOMPLETE = 3


def _fmt(x: float) -> str:
    return "  n/a" if math.isnan(x) else ("  inf" if math.isinf(x) else f"{x:5.3f}")


def judge_command(config: Path, output_dir: Path | None = None) -> int:
    """Run a judge config and print the per-category table; returns the exit status.

    Raises BenchlabError for problems the user can fix (the command prints them in one line).
    """
    from benchlab.judge.config import load_judge_config
    from benchlab.judge.pipeline import run_judge_config

    outcome, paths = run_judge_config(load_judge_config(config), output_dir=output_dir)
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
    flip = outcome.quality.position_flip_rate
    typer.echo(f"position-flip rate: {_fmt(flip.value)} (n={flip.n})")
    cost = outcome.cost
    if cost:
        typer.echo(
            f"calls: {cost['paid_calls']} paid, {cost['cached_calls']} cached; "
            f"spent ${cost['spent_usd']:.4f}"
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
