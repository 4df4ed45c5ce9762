"""Progress reporting: rich bars with ETA in a terminal, silence in tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

__all__ = ["ProgressReporter", "RichProgress", "SilentProgress"]


class ProgressReporter(Protocol):
    """Opens a progress bar; the context yields a function that advances it.

    The function takes the number of steps done and, optionally, a `note` shown after the
    bar's description (a running cost, say).
    """

    def track(self, description: str, total: int | None) -> contextmanager[Callable[[int], None]]:
        """A bar for one loop (training steps, evaluation examples)."""
        ...


class SilentProgress:
    """Reports nothing: for tests and library use."""

    @contextmanager
    def track(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """Yield a no-op advance function."""
        yield lambda n=1, note=None: None


class RichProgress:
    """Rich progress bars with elapsed time and ETA, nested under one live display."""

    def __init__(self, progress) -> None:
        self._progress = progress

    @contextmanager
    def track(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """Add a bar, yield its advance function, remove the bar when the loop ends."""
        task_id = self._progress.add_task(description, total=total)

        def advance(n: int = 1, note: str | None = None) -> None:
            if note is None:
                self._progress.advance(task_id, n)
            else:
                self._progress.update(task_id, advance=n, description=f"{description}  {note}")

        try:
            yield advance
        finally:
            self._progress.remove_task(task_id)
