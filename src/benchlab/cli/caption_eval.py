"""`benchlab caption-eval CANDIDATES.json --refs REFS.json`: coco-caption scores without Java.

Reads a coco-caption results file and a COCO annotation file, scores the candidates' images
like pycocoevalcap 1.2 (Bleu_1..4, ROUGE_L, CIDEr; METEOR when Java and its jar are found),
prints a table with 95% bootstrap CIs over images and optionally writes
`{"metrics": {NAME: {"value", "ci_low", "ci_high", "n"}}}` atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["caption_eval", "register"]


def caption_eval(
    candidates_path: Path,
    refs_path: Path,
    *,
    meteor: bool | Path = True,
    n_resamples: int = 1000,
    seed: int = 0,
    progress: Any = None,
) -> dict[str, Any]:
    """Load, validate and score the two files; return the JSON-ready `{"metrics": ...}` object."""
    from benchlab.errors import DataError
    from benchlab.progress import SilentProgress
    from benchlab.scoring.caption import (
        find_meteor_jar,
        load_candidates,
        load_references,
        metric_intervals,
        score_captions,
    )

    if n_resamples < 1:
        raise DataError(f"--resamples must be at least 1, got {n_resamples}")
    candidates = load_candidates(candidates_path)
    references = load_references(refs_path)
    for row, image_id in enumerate(candidates):
        if image_id not in references:
            raise DataError(
                f"{candidates_path}: row {row} image_id {image_id!r} has no reference caption "
                f"in {refs_path}; score only images that are annotated there (ids must match "
                "in type too: 42 and '42' differ)"
            )
    jar = None if meteor is False else find_meteor_jar(None if meteor is True else meteor)
    steps = (4 if jar else 3) * len(candidates)
    progress = progress or SilentProgress()
    with progress.track("scoring captions", steps) as advance:
        scores = score_captions(candidates, references, meteor=jar or False, advance=advance)
    with progress.track("bootstrap CIs", None):
        values = metric_intervals(scores, n_resamples=n_resamples, seed=seed)
    return {"metrics": {name: value.to_json() for name, value in values.items()}}


def _table(result: dict[str, Any]) -> Any:
    """A rich table of the metrics with their CIs."""
    from rich.table import Table

    table = Table(title="caption metrics (pycocoevalcap names; 95% bootstrap CI over images)")
    for column in ("metric", "value", "95% CI", "n"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, metric in result["metrics"].items():
        low, high = metric["ci_low"], metric["ci_high"]
        interval = "—" if low is None else f"[{low:.4f}, {high:.4f}]"
        table.add_row(name, f"{metric['value']:.4f}", interval, str(metric["n"]))
    return table


def register(app: typer.Typer) -> None:
    """Add the `caption-eval` command to a Typer app."""

    @app.command("caption-eval")
    @friendly_errors
    def caption_eval_command(
        candidates: Annotated[
            Path, typer.Argument(help='coco-caption results JSON: [{"image_id", "caption"}]')
        ],
        refs: Annotated[
            Path, typer.Option("--refs", help='COCO annotation JSON with an "annotations" list')
        ],
        output: Annotated[
            Path | None, typer.Option("--output", help="write the metrics JSON here")
        ] = None,
        meteor_jar: Annotated[
            Path | None,
            typer.Option(help="meteor-1.5.jar (default: $BENCHLAB_METEOR_JAR or pycocoevalcap's)"),
        ] = None,
        no_meteor: Annotated[bool, typer.Option("--no-meteor", help="skip METEOR")] = False,
        resamples: Annotated[int, typer.Option(help="bootstrap resamples for the CIs")] = 1000,
        seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
    ) -> None:
        """Score image captions like pycocoevalcap (no Java needed), with 95% CIs."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        from benchlab.progress import RichProgress
        from benchlab.record.atomic import write_json_atomic

        console = Console()
        meteor: bool | Path = False if no_meteor else (meteor_jar or True)
        columns = (TimeElapsedColumn(), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=Console(stderr=True), transient=True) as bars:
            result = caption_eval(
                candidates,
                refs,
                meteor=meteor,
                n_resamples=resamples,
                seed=seed,
                progress=RichProgress(bars),
            )
        console.print(_table(result))
        console.print(
            f"CIs: {resamples} bootstrap resamples of images, CIDEr's document frequencies "
            "fixed to the full corpus."
        )
        if "METEOR" in result["metrics"]:
            console.print("METEOR: the jar's corpus score (aggregate statistics), no CI.")
        elif not no_meteor:
            console.print("METEOR not computed: it needs Java and meteor-1.5.jar (--meteor-jar)")
        if output is not None:
            write_json_atomic(output, result)
            console.print(f"wrote {output}")
