"""The running marker: which process on which host is working on an experiment, and since when.

A marker is `running.json` with host, pid, the pid's start time and a heartbeat refreshed by a
background thread. Reading it back:
- on the same host, the experiment is running only if that pid is alive AND its start time
  (from /proc/<pid>/stat) matches, so a dead run whose pid was reused is never "running";
- on another host (a Ray worker, a shared file system) the pid means nothing here, so it is
  running only while its heartbeat is younger than STALE_AFTER_SECONDS (six missed beats);
  a dead host stops beating and its experiment stops reading as running.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchlab.record.atomic import write_json_atomic

__all__ = [
    "HEARTBEAT_SECONDS",
    "STALE_AFTER_SECONDS",
    "RunningMarker",
    "marker_is_live",
    "process_start_time",
    "read_marker",
]

HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 6 * HEARTBEAT_SECONDS


def _now() -> datetime:
    return datetime.now(timezone.utc)


def process_start_time(pid: int) -> int | None:
    """Start time of `pid` in clock ticks since boot (Linux /proc), None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: fields resume after the last ")"
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of the whole line: starttime
    except (IndexError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    except OSError:
        return False
    return True


def _parse_time(stamp: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def read_marker(path: Path) -> dict[str, Any] | None:
    """The marker's fields, or None when absent or unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def marker_is_live(marker: dict[str, Any], *, now: datetime | None = None) -> bool:
    """Whether the process the marker names is still working (see the module docstring)."""
    beat = _parse_time(marker.get("heartbeat_at"))
    now = now or _now()
    recent = beat is not None and (now - beat).total_seconds() < STALE_AFTER_SECONDS
    if marker.get("host") != socket.gethostname():
        return recent
    try:
        pid = int(marker["pid"])
    except (KeyError, TypeError, ValueError):
        return False
    if not _pid_alive(pid):
        return False
    started = marker.get("pid_start")
    current = process_start_time(pid)
    if started is None or current is None:  # no /proc here: the heartbeat decides
        return recent
    return int(started) == current


class RunningMarker:
    """Writes the marker on entry, refreshes its heartbeat while the block runs, removes it after.

    The thread is stopped and joined before the marker is removed, so a late beat can never
    bring back the marker of a finished (or failed) experiment.
    """

    def __init__(self, path: Path, started_at: str, *, interval: float = HEARTBEAT_SECONDS):
        self.path = Path(path)
        self.interval = interval
        pid = os.getpid()
        self.fields: dict[str, Any] = {
            "host": socket.gethostname(),
            "pid": pid,
            "pid_start": process_start_time(pid),
            "started_at": started_at,
        }
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        """Write the marker with a fresh heartbeat time."""
        stamp = _now().isoformat(timespec="seconds")
        write_json_atomic(self.path, self.fields | {"heartbeat_at": stamp})

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            with contextlib.suppress(OSError):  # a full disk must not kill the experiment
                self.beat()

    def __enter__(self) -> RunningMarker:
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="benchlab-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.path.unlink(missing_ok=True)
