"""`benchlab list`: the task types, modes and backends this installation offers."""

from __future__ import annotations

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the list command."""

    @app.command("list")
    @friendly_errors
    def list_command() -> None:
        """Print the available tasks, modes and backends."""
        from rich.console import Console
        from rich.table import Table

        from benchlab.backends.registry import backend_types
        from benchlab.methods.registry import method_types
        from benchlab.tasks.registry import task_entries

        console = Console()
        tasks = Table(title="tasks")
        for column in ("name", "family", "description"):
            tasks.add_column(column)
        for name, entry in sorted(task_entries().items()):
            tasks.add_row(name, entry.family, entry.description)
        modes = Table(title="modes")
        for column in ("type", "models", "description"):
            modes.add_column(column)
        for name, cls in sorted(method_types().items()):
            modes.add_row(name, ", ".join(sorted(cls.compatible_kinds)), cls.description)
        backends = Table(title="backends")
        for column in ("name", "serves", "description"):
            backends.add_column(column)
        for name, cls in sorted(backend_types().items()):
            served = ", ".join(sorted(t.__name__ for t in cls.served_types()))
            backends.add_row(name, served, cls.description)
        schemes = _schemes_table()
        for table in (tasks, modes, backends, schemes):
            console.print(table)


def _schemes_table():
    """Quantization schemes (`quantization:` on a model, `scheme:` of a quantize mode)."""
    from rich.markup import escape
    from rich.table import Table

    from benchlab.backends.quantization import parse_choice, scheme_table, unavailable_reason

    table = Table(title="quantization schemes")
    for column in ("name", "bits", "here", "description"):
        table.add_column(column)
    for name, scheme in sorted(scheme_table().items()):
        reason = unavailable_reason(parse_choice(name), check_gpu=False)  # torch stays unloaded
        here = reason or ("on a CUDA GPU" if scheme.gpu_only else "runs")
        bits = ", ".join(str(b) for b in scheme.bits)
        table.add_row(name, bits, escape(here), escape(scheme.description))
    return table
