"""The `benchlab` command. Sub-commands live in their own modules and import heavy code lazily."""

from __future__ import annotations

import contextlib

import typer

from benchlab.cli import catalog, report, run, status

__all__ = ["app"]

app = typer.Typer(
    name="benchlab",
    help="Fine-tune, quantize and benchmark small models; report with honest statistics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (run, status, catalog, report):
    module.register(app)

for optional in ("benchlab.cli.code_eval", "benchlab.cli.judge"):
    with contextlib.suppress(ImportError):  # a component not yet present in this checkout
        __import__(optional, fromlist=["register"]).register(app)
