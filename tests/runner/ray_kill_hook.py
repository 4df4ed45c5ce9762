"""Set up in the test cluster's Ray workers: the first training step SIGKILLs its own worker once.

`KILL_ENV` names a marker file; the worker that takes it (unlink succeeds) writes its pid next to
it and kills itself with SIGKILL mid-training, as a crashed or OOM-killed worker would die.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

KILL_ENV = "BENCHLAB_TEST_KILL_MARKER"


def _killing(advance: Callable[..., None], marker: Path) -> Callable[..., None]:
    def advance_then_die(n: int = 1, note: object = None) -> None:
        advance(n, note)
        try:
            marker.unlink()  # exactly one worker, once
        except FileNotFoundError:
            return
        marker.with_suffix(".pid").write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)

    return advance_then_die


def arm() -> None:
    """Wrap the workers' (silent) training progress so a training step can die."""
    from benchlab.progress import SilentProgress

    marker = Path(os.environ[KILL_ENV])
    original = SilentProgress.track

    @contextmanager
    def track(self, description: str, total: int | None) -> Iterator[Callable[..., None]]:
        with original(self, description, total) as advance:
            yield _killing(advance, marker) if description.startswith("train ") else advance

    SilentProgress.track = track
