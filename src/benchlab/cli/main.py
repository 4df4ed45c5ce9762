"""The `benchlab` command. Sub-commands live in their own modules and import heavy code lazily."""

from __future__ import annotations

import typer

from benchlab.cli import catalog, code_eval, judge, publish, report, run, status

__all__ = ["app"]

app = typer.Typer(
    name="benchlab",
    help="Fine-tune and benchmark small models; report with honest statistics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (run, status, catalog, report, judge, code_eval, publish):
    module.register(app)
