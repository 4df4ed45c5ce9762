"""Progress reporting: rich bars with ETA in a terminal, silence in tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

__all__ = ["ProgressReporter", "RichProgress", "SilentProgress"]


class ProgressReporter(Protocol):
    """Opens a progress bar; the context yields a function that advances it."""

    def track(self, description: str, total: int | None) -> contextmanager[Callable[[int], None]]:
        """A bar for one loop (training steps, evaluation examples)."""
        ...


class SilentProgress:
    """Reports nothing: for tests and library use."""

    @contextmanager
    def track(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """Yield a no-op advance function."""
        yield lambda n=1: None


class RichProgress:
    """Rich progress bars with elapsed time and ETA, nested under one live display."""

    def __init__(self, progress) -> None:
        self._progress = progress

    @contextmanager
    def track(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """Add a bar, yield its advance function, remove the bar when the loop ends."""
        task_id = self._progress.add_task(description, total=total)
        try:
            yield lambda n=1: self._progress.advance(task_id, n)
        finally:
            self._progress.remove_task(task_id)
