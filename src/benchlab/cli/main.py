"""The `benchlab` Typer app. Sub-commands live in their own modules, imported on demand.

The command table is `benchlab.cli.entry.COMMANDS` (module and one-line help per command; a
test checks each line against the command's own docstring). Adding a command is one line there
plus the module's `register(app)`.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from benchlab.cli.entry import COMMANDS, SUMMARY, help_text

__all__ = ["app"]

#: module name -> the click group its `register(app)` built (each module is imported once).
_GROUPS: dict[str, Any] = {}


class LazyCommands(TyperGroup):
    """A command group that imports a command's module only when that command is used."""

    def list_commands(self, ctx: Any) -> list[str]:
        """Command names in table order, without importing any of them."""
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The click command for `cmd_name`, built from its module's `register(app)`."""
        if cmd_name not in COMMANDS:
            return None
        module_name = COMMANDS[cmd_name][0]
        if module_name not in _GROUPS:
            sub = typer.Typer()
            importlib.import_module(module_name).register(sub)
            _GROUPS[module_name] = typer.main.get_group(sub)
        return _GROUPS[module_name].commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The same text `benchlab --help` prints without Typer (no command module imported)."""
        formatter.write(help_text(ctx.command_path))


app = typer.Typer(
    name="benchlab",
    help=SUMMARY,
    cls=LazyCommands,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def main() -> None:
    """The group's own callback: nothing to do before a command runs."""
