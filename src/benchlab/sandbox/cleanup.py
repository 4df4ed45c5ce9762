"""Remove what a sandboxed program may have left behind when no namespace contains it.

With a dedicated uid per worker slot, "everything the program started" is exactly "every
process owned by that uid", and "every file it wrote outside its directory" can only be in
the world-writable directories; both are swept after each run.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

__all__ = [
    "WORLD_WRITABLE_DIRS",
    "kill_processes_of_uid",
    "processes_of_uid",
    "remove_files_of_uid",
]

WORLD_WRITABLE_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def processes_of_uid(uid: int) -> list[int]:
    """PIDs whose real uid is `uid` (read from /proc)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            found.append(int(entry.name))
                        break
        except (OSError, ValueError):
            continue
    return found


def kill_processes_of_uid(uid: int, timeout: float = 2.0) -> int:
    """SIGKILL every process of `uid` and wait until none is left (zombies included)."""
    if uid == 0 or uid == os.getuid():
        raise ValueError(f"refusing to kill every process of uid {uid}: it is not a sandbox uid")
    killed = 0
    deadline = time.monotonic() + timeout
    while True:
        pids = processes_of_uid(uid)
        if not pids or time.monotonic() > deadline:
            return killed
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        time.sleep(0.01)


def remove_files_of_uid(uid: int, directories: tuple[str, ...] = WORLD_WRITABLE_DIRS) -> int:
    """Delete top-level entries owned by `uid` in the world-writable directories."""
    removed = 0
    for directory in directories:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    Path(entry.path).unlink(missing_ok=True)
                removed += 1
            except OSError:
                continue
    return removed
