"""One run per directory: an exclusive `fcntl.flock` on `run.lock`, naming its holder.

The lock is taken before anything is written, so a refused second run leaves no trace (not
even a log). The kernel drops the lock when its holder dies, so a killed run never blocks the
next one; the file itself stays, and only says who held it last. Taking the lock again in the
same process (the CLI around `run_plan`, which takes it too) nests instead of refusing.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from benchlab.errors import BenchlabError

__all__ = ["RunLock", "RunLockedError", "active_holder", "lock_holder"]

LOCK_NAME = "run.lock"
_held: dict[Path, tuple[int, int]] = {}  # resolved lock path -> (fd, depth) in this process


class RunLockedError(BenchlabError):
    """Another benchlab process is running in the same run directory."""


def lock_holder(run_dir: Path) -> str:
    """Who holds (or last held) the run directory's lock, in words."""
    try:
        data = json.loads((Path(run_dir) / LOCK_NAME).read_text(encoding="utf-8"))
        return f"host {data['host']}, pid {data['pid']}, since {data['since']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "an unknown process"


def active_holder(run_dir: Path) -> str | None:
    """The holder of the lock if a run is working in the directory now, else None.

    Probes with a shared lock on a read-only descriptor: nothing is written.
    """
    path = (Path(run_dir) / LOCK_NAME).resolve()
    if path in _held:
        return lock_holder(run_dir)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return lock_holder(run_dir)
    finally:
        os.close(fd)  # closing drops the probe's shared lock
    return None


class RunLock:
    """Context manager holding the run directory's exclusive lock."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = (self.run_dir / LOCK_NAME).resolve()

    def __enter__(self) -> RunLock:
        if self.path in _held:
            fd, depth = _held[self.path]
            _held[self.path] = (fd, depth + 1)
            return self
        self.run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunLockedError(
                f"run directory {self.run_dir} is in use by another benchlab run "
                f"({lock_holder(self.run_dir)}): wait for it to finish, or pass another --out"
            ) from None
        holder = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder, allow_nan=False) + "\n").encode(), 0)
        _held[self.path] = (fd, 1)
        return self

    def __exit__(self, *exc: object) -> None:
        fd, depth = _held[self.path]
        if depth > 1:
            _held[self.path] = (fd, depth - 1)
            return
        del _held[self.path]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
