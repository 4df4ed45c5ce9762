"""`benchlab data ...`: look at training data before training on it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["data_composition", "register"]


def _fields(text: str | None) -> list[str]:
    return [f.strip() for f in (text or "").split(",") if f.strip()]


def data_composition(
    file: Path,
    by: list[str],
    *,
    tokenizer: Path | None = None,
    text_fields: list[str] | None = None,
    csv_path: Path | None = None,
    plot_path: Path | None = None,
) -> Any:
    """Read the file, compute its composition, write the optional CSV and chart."""
    from benchlab.data import (
        composition,
        read_rows,
        token_counter,
        write_composition_csv,
        write_composition_plot,
    )

    rows = read_rows(file)
    count, unit = token_counter(tokenizer)
    result = composition(rows, by, count, unit=unit, source=str(file), text_fields=text_fields)
    if csv_path is not None:
        write_composition_csv(result, csv_path)
    if plot_path is not None:
        write_composition_plot(result, plot_path)
    return result


def register(app: typer.Typer) -> None:
    """Add the `data` command group (`data composition`) to a Typer app."""
    data_app = typer.Typer(help="Inspect training data.", no_args_is_help=True)

    @data_app.command("composition")
    @friendly_errors
    def composition_command(
        file: Annotated[Path, typer.Argument(help="training file: .jsonl, .json, .csv or .tsv")],
        by: Annotated[str, typer.Option(help="comma-separated fields to group by")] = "source",
        tokenizer: Annotated[
            Path | None, typer.Option(help="local tokenizer folder or tokenizer.json")
        ] = None,
        text: Annotated[
            str | None, typer.Option(help="comma-separated text fields (default: auto)")
        ] = None,
        csv: Annotated[Path | None, typer.Option(help="write the table as CSV here")] = None,
        plot: Annotated[Path | None, typer.Option(help="write a bar chart PNG here")] = None,
    ) -> None:
        """Rows, share and length (mean / median / p95) per group of a training file."""
        result = data_composition(
            file,
            _fields(by),
            tokenizer=tokenizer,
            text_fields=_fields(text) or None,
            csv_path=csv,
            plot_path=plot,
        )
        names = list(result.by) or ["group"]
        width = max([len(" / ".join(names))] + [len(" / ".join(g.key)) for g in result.groups])
        typer.echo(f"{result.source}: {result.total_rows} rows; lengths in {result.unit}")
        typer.echo(
            f"{' / '.join(names):<{width}}  {'rows':>8}  {'share':>7}  "
            f"{'mean':>8}  {'median':>8}  {'p95':>8}"
        )
        for g in result.groups:
            typer.echo(
                f"{' / '.join(g.key):<{width}}  {g.rows:>8}  {g.share:>7.1%}  "
                f"{g.length_mean:>8.1f}  {g.length_median:>8.1f}  {g.length_p95:>8.1f}"
            )
        for path in (csv, plot):
            if path is not None:
                typer.echo(f"wrote {path}")

    app.add_typer(data_app, name="data")
