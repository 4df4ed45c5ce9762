"""`benchlab data ...`: look at training data before training on it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["data_composition", "print_llava_check", "register"]


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


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_llava_check(report: Any) -> None:
    """One line per problem naming the row, then length statistics and tag coverage."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    for problem in report.problems:
        console.print(f"[red]{escape(problem.line())}[/red]  [dim]{problem.kind}[/dim]")
    stats = report.statistics()
    table = Table(title=f"{report.source}: {stats['rows']} rows, {stats['rows_checked']} checked")
    for column in ("", "mean", "median", "p95", "max"):
        table.add_column(column, justify="left" if not column else "right")
    for label, key in (("words per answer", "answer_words"), ("turns per row", "turns_per_row")):
        spread = stats[key]
        table.add_row(label, *(_number(spread[k]) for k in ("mean", "median", "p95", "max")))
    console.print(table)
    coverage = ", ".join(
        f"{name} {_number(None if share is None else 100 * share)}%"
        for name, share in stats["stage_coverage"].items()
    )
    console.print(f"rows whose answers carry each stage: {coverage}")
    share = stats["well_formed_traces"]
    console.print(
        f"well-formed traces: {_number(None if share is None else 100 * share)}% "
        f"of {stats['answers']} answers"
    )
    verdict = (
        "[green]no problems[/green]"
        if report.ok
        else f"[red]{len(report.problems)} problem(s)[/red]"
    )
    console.print(verdict)


def register(app: typer.Typer) -> None:
    """Add the `data` command group (composition, check, convert) to a Typer app."""
    data_app = typer.Typer(help="Inspect training data.", no_args_is_help=True)

    @data_app.command("check")
    @friendly_errors
    def check_command(
        file: Annotated[Path, typer.Argument(help="LLaVA conversation file: .jsonl or .json")],
        images: Annotated[
            Path | None, typer.Option(help="image root folder (default: the file's folder)")
        ] = None,
    ) -> None:
        """Validate a LLaVA training file: one line per bad row, lengths, tag coverage."""
        from benchlab.data.llava_checks import check_llava_file

        report = check_llava_file(file, images=images)
        print_llava_check(report)
        if not report.ok:
            raise typer.Exit(1)

    @data_app.command("convert")
    @friendly_errors
    def convert_command(
        file: Annotated[Path, typer.Argument(help="LLaVA conversation file: .jsonl or .json")],
        out: Annotated[Path, typer.Option(help="chat-format JSONL to write")],
        images: Annotated[
            Path | None, typer.Option(help="image root folder (default: the file's folder)")
        ] = None,
    ) -> None:
        """Write a checked LLaVA file as the trainer's chat JSONL (refused if check fails)."""
        from benchlab.data.llava_convert import convert_llava_file

        count = convert_llava_file(file, images=images, out=out)
        typer.echo(f"wrote {count} rows to {out}")

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
