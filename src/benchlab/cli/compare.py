"""`benchlab compare RUN_A RUN_B`: did B beat A, item by item, and where did it regress?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["compare", "parse_pairs", "register"]


def parse_pairs(values: list[str] | None) -> list[tuple[str, str]]:
    """`["A_ID=B_ID", ...]` -> `[(A_ID, B_ID), ...]`."""
    from benchlab.errors import ConfigError

    pairs = []
    for value in values or []:
        left, sep, right = value.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ConfigError(f"--pair {value!r}: write it as A_EXPERIMENT_ID=B_EXPERIMENT_ID")
        pairs.append((left.strip(), right.strip()))
    return pairs


def compare(
    run_a: Path,
    run_b: Path,
    out: Path | None = None,
    *,
    pairs: list[tuple[str, str]] | None = None,
    by: tuple[str, ...] = ("model", "task", "mode"),
    seed: int = 0,
    n_resamples: int = 1000,
) -> dict[str, Any]:
    """Compare the runs, write compare.csv / compare.json, return the rows and where they went."""
    from benchlab.errors import DataError
    from benchlab.report.compare_runs import compare_runs, pair_experiments, write_compare_files
    from benchlab.report.run_files import read_run_experiments

    a, b = read_run_experiments(run_a), read_run_experiments(run_b)
    paired = pair_experiments(a, b, by=by, explicit=pairs or ())
    if not paired:
        raise DataError(
            f"no experiment of {run_a} matches one of {run_b} by {', '.join(by)}; "
            "use --by with fewer fields or --pair A_ID=B_ID"
        )
    rows = compare_runs(paired, seed=seed, n_resamples=n_resamples)
    out = Path(out) if out is not None else Path(run_b) / "analysis" / f"compare-{Path(run_a).name}"
    meta = {
        "run_a": str(run_a),
        "run_b": str(run_b),
        "pairs": [[x.experiment_id, y.experiment_id] for x, y in paired],
        "unpaired_a": sorted(set(a) - {x.experiment_id for x, _ in paired}),
        "unpaired_b": sorted(set(b) - {y.experiment_id for _, y in paired}),
        "seed": seed,
        "n_resamples": n_resamples,
        "difference": "B - A",
        "correction": "holm over every comparison",
    }
    write_compare_files(out, rows, meta)
    return {"rows": rows, "out": out, **meta}


def register(app: typer.Typer) -> None:
    """Add the `compare` command to a Typer app."""

    @app.command("compare")
    @friendly_errors
    def compare_command(
        run_a: Annotated[Path, typer.Argument(help="reference run directory (A)")],
        run_b: Annotated[Path, typer.Argument(help="candidate run directory (B)")],
        out: Annotated[
            Path | None, typer.Option(help="output folder (default RUN_B/analysis/compare-A)")
        ] = None,
        pair: Annotated[
            list[str] | None, typer.Option(help="pair experiments explicitly: A_ID=B_ID")
        ] = None,
        by: Annotated[str, typer.Option(help="fields that pair experiments")] = "model,task,mode",
        seed: Annotated[int, typer.Option(help="bootstrap / permutation seed")] = 0,
        resamples: Annotated[int, typer.Option(help="bootstrap resamples")] = 1000,
    ) -> None:
        """Per-item paired comparison of two runs: B - A with CIs, Holm-corrected tests."""
        fields = tuple(f.strip() for f in by.split(",") if f.strip())
        summary = compare(
            run_a,
            run_b,
            out,
            pairs=parse_pairs(pair),
            by=fields,
            seed=seed,
            n_resamples=resamples,
        )
        for row in summary["rows"]:
            holm = "n/a" if row.p_holm is None else f"{row.p_holm:.3g}"
            typer.echo(
                f"{row.experiment_a} -> {row.experiment_b}  {row.metric}: "
                f"{row.value_a:.4f} -> {row.value_b:.4f} (n={row.n}), "
                f"diff {row.difference:+.4f} [{row.ci_low:+.4f}, {row.ci_high:+.4f}], "
                f"{row.test} p={row.p_value:.3g}, Holm p={holm}"
            )
        regressions = [row for row in summary["rows"] if row.verdict == "regression"]
        for row in regressions:
            typer.echo(f"REGRESSION: {row.sentence()}")
        if not summary["rows"]:
            typer.echo("no metric could be compared item by item (no shared item ids?)")
        for side in ("a", "b"):
            if summary[f"unpaired_{side}"]:
                typer.echo(f"unpaired in {side.upper()}: {', '.join(summary[f'unpaired_{side}'])}")
        typer.echo(f"wrote {summary['out'] / 'compare.csv'} and compare.json")
