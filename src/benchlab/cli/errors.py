"""Turns user errors into one red line and exit code 2, without a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from benchlab.errors import BenchlabError

__all__ = ["friendly_errors"]

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Decorate a CLI command so a BenchlabError prints as `error: ...` and exits with 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except BenchlabError as error:
            from rich.console import Console
            from rich.markup import escape

            from benchlab.config.secrets import redact_text

            Console(stderr=True, highlight=False, soft_wrap=True).print(
                f"[bold red]error:[/bold red] {escape(redact_text(str(error)))}", markup=True
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
