"""A long-lived sandbox per worker that forks one fresh child per program.

Starting bubblewrap and an interpreter costs ~40 ms per program; forking a warm,
already-sandboxed interpreter costs ~2 ms. Each program still runs in its own process,
session and process group, in a fresh directory, under its own rlimits, seccomp filter and
audit hook, as the worker's unprivileged uid; after it ends the server kills every process
of that uid and deletes the directory. Because the server must stay out of the program's
reach, it is only used when running as root (the program then runs under another uid and
cannot signal, trace or read the server); otherwise each program gets a fresh sandbox.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time

from benchlab.sandbox.cleanup import remove_files_of_uid
from benchlab.sandbox.isolation import Isolation, isolation_plan, sandbox_env
from benchlab.sandbox.limits import Limits
from benchlab.sandbox.runner import (
    HARNESS,
    ExecutionResult,
    Program,
    RawOutcome,
    frame_message,
    interpreter_and_uid,
    judge,
    namespace_setup,
    program_request,
    run_program,
)

__all__ = ["ForkServer", "fork_server_supported"]

_GRACE_SECONDS = 5.0


def fork_server_supported() -> bool:
    """Whether programs can run under a uid other than the server's (needs root)."""
    return os.geteuid() == 0


class ForkServer:
    """One sandbox (bwrap, unshare or plain) serving programs one at a time."""

    def __init__(self, level: Isolation, slot: int, limits: Limits) -> None:
        self.level = level
        self.slot = slot
        self.tmpfs_bytes = limits.tmpfs_bytes
        self._process: subprocess.Popen[bytes] | None = None
        self._host_dir: str | None = None
        self.python, self.uid = interpreter_and_uid(level, slot)

    def _start(self) -> subprocess.Popen[bytes]:
        plan = isolation_plan(self.level, self.tmpfs_bytes)
        if plan.inner_workdir is None:
            self._host_dir = tempfile.mkdtemp(prefix="benchlab-forkserver-")
            os.chmod(self._host_dir, 0o755)
        workdir = plan.inner_workdir or self._host_dir
        assert workdir is not None
        to_server, self._to_server = os.pipe()
        self._from_server, from_server = os.pipe()
        argv = [*plan.prefix, self.python, "-I", "-S", str(HARNESS), "serve",
                str(to_server), str(from_server)]  # fmt: skip
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(to_server, from_server),
            env=sandbox_env(workdir),
            cwd=self._host_dir or "/",
            start_new_session=True,
        )
        os.close(to_server)
        os.close(from_server)
        setup = namespace_setup(plan, Limits(tmpfs_bytes=self.tmpfs_bytes))
        setup["workdir"] = workdir
        os.write(self._to_server, frame_message(setup))
        self._process = process
        return process

    def _read_exact(self, size: int, deadline: float) -> bytes | None:
        data = bytearray()
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._from_server], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(self._from_server, size - len(data))
            if not chunk:
                return None
            data += chunk
        return bytes(data)

    def _exchange(self, request: dict, deadline: float) -> dict | None:
        import marshal

        try:
            os.write(self._to_server, frame_message(request))
        except OSError:
            return None
        header = self._read_exact(8, deadline)
        if header is None:
            return None
        body = self._read_exact(int.from_bytes(header, "big"), deadline)
        return None if body is None else marshal.loads(body)

    def run(self, program: Program, limits: Limits, guard: bool) -> ExecutionResult:
        """Run one program in a fresh child of the server (restarting it if it died)."""
        if self._process is None or self._process.poll() is not None:
            self.close()
            self._start()
        nonce = secrets.token_hex(16)
        request = program_request(program, limits, guard, self.uid, nonce)
        response = self._exchange(request, time.monotonic() + limits.wall_seconds + _GRACE_SECONDS)
        if response is None:  # the server misbehaved: discard it, run this one afresh
            self.close()
            return run_program(program, limits=limits, isolation=self.level, guard=guard)
        if self.level == "rlimits" and self.uid is not None:
            remove_files_of_uid(self.uid)
        outcome = RawOutcome(
            returncode=response["returncode"],
            cpu_seconds=response["cpu"],
            duration_seconds=response["duration"],
            stdout=response["stdout"],
            stderr=response["stderr"],
            report=response["report"],
            timed_out=response["timed_out"],
            overflow=response["overflow"],
            wrapped=False,
        )
        return judge(outcome, nonce, limits, self.level)

    def close(self) -> None:
        """Stop the server and everything in its sandbox."""
        process, self._process = self._process, None
        if process is not None:
            for fd in (self._to_server, self._from_server):
                with contextlib.suppress(OSError):
                    os.close(fd)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if self._host_dir:
            shutil.rmtree(self._host_dir, ignore_errors=True)
            self._host_dir = None
