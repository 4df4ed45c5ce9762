"""`benchlab publish RUN_DIR --experiment ID --repo-id OWNER/NAME`: a model and card to the Hub."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the publish command."""

    @app.command("publish")
    @friendly_errors
    def publish_command(
        run_dir: Annotated[Path, typer.Argument(help="run directory")],
        experiment: Annotated[str, typer.Option(help="experiment id whose model to publish")],
        repo_id: Annotated[str, typer.Option(help="Hub repository, OWNER/NAME")],
        private: Annotated[bool, typer.Option(help="create the repository as private")] = False,
        dry_run: Annotated[
            bool, typer.Option(help="write and validate the folder; no network")
        ] = False,
        out: Annotated[
            Path | None, typer.Option(help="upload folder (default RUN_DIR/publish/ID)")
        ] = None,
        license_id: Annotated[
            str, typer.Option("--license", help="Hub license id of the weights")
        ] = "other",
    ) -> None:
        """Assemble weights, tokenizer and a model card of the measured results; push to the Hub."""
        from benchlab.publish import assemble, push_folder, validate_folder

        folder = assemble(run_dir, experiment, repo_id, out=out, license_id=license_id)
        checked = validate_folder(folder.path, folder.source)
        typer.echo(
            f"folder: {folder.path} ({len(folder.files)} files; card valid, "
            f"{checked} model-index values equal results.json)"
        )
        if dry_run:
            typer.echo("dry run: nothing uploaded")
            return
        url = push_folder(folder.path, repo_id, private=private, log=typer.echo)
        typer.echo(f"published: {url}")
