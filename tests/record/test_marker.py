"""A running marker reads as running only for the live process it names, or a fresh heartbeat."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchlab.record.marker import (
    STALE_AFTER_SECONDS,
    RunningMarker,
    marker_is_live,
    process_start_time,
    read_marker,
)


def _stamp(seconds_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)).isoformat()


def _marker(**fields) -> dict:
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "pid_start": process_start_time(pid),
        "started_at": _stamp(5),
        "heartbeat_at": _stamp(1),
    } | fields


def test_start_time_reads_proc_and_differs_between_processes() -> None:
    mine = process_start_time(os.getpid())
    assert isinstance(mine, int) and mine > 0
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        theirs = process_start_time(child.pid)
        assert theirs is not None and theirs >= mine
    finally:
        child.kill()
        child.wait()
    assert process_start_time(child.pid) is None  # gone


def test_same_host_needs_the_pid_alive_and_its_start_time() -> None:
    assert marker_is_live(_marker())
    # the pid was reused by another process: same number, different start time
    assert not marker_is_live(_marker(pid_start=process_start_time(os.getpid()) - 1))
    # even a fresh heartbeat does not make a reused pid running
    assert not marker_is_live(_marker(pid_start=1, heartbeat_at=_stamp(0)))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert not marker_is_live(_marker(pid=dead.pid))


def test_other_host_is_running_only_while_its_heartbeat_is_recent() -> None:
    remote = {"host": "worker-7.invalid", "pid": 1, "pid_start": 1}
    assert marker_is_live(_marker(**remote, heartbeat_at=_stamp(10)))
    assert not marker_is_live(_marker(**remote, heartbeat_at=_stamp(STALE_AFTER_SECONDS + 5)))
    assert not marker_is_live(_marker(**remote, heartbeat_at=None))


def test_an_old_marker_without_host_is_not_running() -> None:
    assert not marker_is_live({"pid": os.getpid(), "started_at": _stamp(5)})


def test_heartbeat_is_refreshed_and_the_marker_removed_after(tmp_path: Path) -> None:
    path = tmp_path / "running.json"
    with RunningMarker(path, _stamp(0), interval=0.2):
        first = read_marker(path)
        assert first is not None and marker_is_live(first)
        assert first["host"] == socket.gethostname() and first["pid"] == os.getpid()
        deadline = time.monotonic() + 5
        while read_marker(path)["heartbeat_at"] == first["heartbeat_at"]:
            assert time.monotonic() < deadline, "heartbeat never refreshed"
            time.sleep(0.1)
    assert not path.exists()
    time.sleep(0.5)  # the stopped thread never writes it back
    assert not path.exists()


def test_marker_file_is_plain_json(tmp_path: Path) -> None:
    path = tmp_path / "running.json"
    RunningMarker(path, "2026-01-01T00:00:00+00:00").beat()
    data = json.loads(path.read_text())
    assert set(data) == {"host", "pid", "pid_start", "started_at", "heartbeat_at"}
