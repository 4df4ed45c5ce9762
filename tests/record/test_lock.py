"""One run per directory: a second holder is refused with a line naming the first."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.errors import BenchlabError
from benchlab.record.lock import RunLock, RunLockedError, active_holder
from tests.helpers import write_config

HOLD = textwrap.dedent(
    """
    import sys, time
    from benchlab.record.lock import RunLock
    with RunLock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(60)
    """
)


def hold_lock(run_dir: Path) -> subprocess.Popen:
    """A separate process holding the run directory's lock (until killed)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(run_dir)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    assert active_holder(tmp_path) is None
    holder = hold_lock(tmp_path)
    try:
        assert f"pid {holder.pid}" in (active_holder(tmp_path) or "")
        with pytest.raises(RunLockedError) as caught, RunLock(tmp_path):
            pass
        message = str(caught.value)
        assert isinstance(caught.value, BenchlabError)
        assert f"pid {holder.pid}" in message and socket.gethostname() in message
        assert "\n" not in message
    finally:
        holder.kill()
        holder.wait()
    assert active_holder(tmp_path) is None
    with RunLock(tmp_path):  # the kernel released the dead holder's lock
        pass


def test_the_same_process_may_nest(tmp_path: Path) -> None:
    with RunLock(tmp_path), RunLock(tmp_path):
        pass
    with RunLock(tmp_path):
        pass


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_second_benchlab_run_is_refused_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml")
    run = tmp_path / "run"
    holder = hold_lock(run)
    try:
        before = _snapshot(run)
        result = CliRunner().invoke(app, ["run", str(config), "--out", str(run)])
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1, result.output
        assert "in use by another benchlab run" in lines[0] and f"pid {holder.pid}" in lines[0]
        assert "Traceback" not in result.output
        assert _snapshot(run) == before  # no run.json, no log, lock file untouched
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("command", ["status", "report"])
def test_status_and_report_refuse_a_directory_that_is_not_a_run(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a run")
    result = CliRunner().invoke(app, [command, str(tmp_path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "not a benchlab run directory (no run.json)" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
