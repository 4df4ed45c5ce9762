"""`benchlab distill CONFIG`: a model's own checked solutions as an SFT file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `distill` command to a Typer app."""

    @app.command("distill")
    @friendly_errors
    def distill_command(
        config: Annotated[Path, typer.Argument(help="distill YAML (model, task, output, ...)")],
        fresh: Annotated[
            bool, typer.Option(help="discard samples saved by an earlier attempt")
        ] = False,
    ) -> None:
        """Generate solutions, keep the checked-correct ones, write an SFT JSONL (resumable)."""
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from benchlab.data import composition
        from benchlab.distill import load_distill_config, run_distill
        from benchlab.progress import RichProgress
        from benchlab.quickstart.resources import resolve_builtin_data

        settings = load_distill_config(
            config, builtin_data=lambda value: str(resolve_builtin_data(value))
        )
        console = Console()
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as bars:
            result = run_distill(settings, RichProgress(bars), bars.console.print, fresh=fresh)
        console.print(
            f"{result.path}: {len(result.rows)} rows; {result.n_items_kept} of "
            f"{result.n_items} items gave a correct solution"
        )
        if not result.rows:
            return
        table = composition(result.rows, ["source"], lambda text: len(text.split()), unit="words")
        for group in table.groups:
            console.print(
                f"  {' / '.join(group.key):<30} {group.rows:>7} rows  {group.share:>6.1%}  "
                f"mean {group.length_mean:.1f} words"
            )
