"""`benchlab report RUN_DIR`: tables, plots and the HTML report of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the report command."""

    @app.command("report")
    @friendly_errors
    def report_command(
        run_dir: Annotated[Path, typer.Argument(help="run directory")],
        baseline: Annotated[
            str | None, typer.Option(help="experiment id or model name to compare against")
        ] = None,
        formats: Annotated[
            list[str] | None,
            typer.Option(
                "--format",
                help="also write the technical report: md (technical_report.md) or html "
                "(technical_report.md and .html); repeatable",
            ),
        ] = None,
    ) -> None:
        """Write analysis/ (CSV, PNG, summary, report.html) for a complete or partial run."""
        from benchlab.errors import BenchlabError
        from benchlab.record.layout import RunLayout
        from benchlab.report.build import build_report

        RunLayout(run_dir).require_run()
        wanted = tuple(dict.fromkeys(formats or ()))
        unknown = [f for f in wanted if f not in ("md", "html")]
        if unknown:
            raise BenchlabError(f"--format {unknown[0]!r}: use md or html")
        typer.echo(f"report: {build_report(run_dir, baseline=baseline, formats=wanted)}")
        from benchlab.trackers import track_run

        for tracker, logged in track_run(run_dir).items():
            typer.echo(f"{tracker}: {len(logged)} experiment(s) logged")
