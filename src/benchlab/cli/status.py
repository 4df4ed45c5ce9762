"""`benchlab status RUN_DIR`: watch a long run from another terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the status command."""

    @app.command("status")
    @friendly_errors
    def status_command(
        run_dir: Annotated[Path, typer.Argument(help="run directory")],
        lines: Annotated[int, typer.Option(help="log lines to show")] = 10,
    ) -> None:
        """State per experiment (stale ones with why), elapsed, ETA, last log lines."""
        from rich.console import Console

        from benchlab.record.layout import RunLayout
        from benchlab.runner.status import run_status

        RunLayout(run_dir).require_run()
        console = Console()
        status = run_status(run_dir)
        console.print(status.table())
        console.print(status.headline())
        for line in status.last_log_lines(lines):
            console.print(line, markup=False, highlight=False)
