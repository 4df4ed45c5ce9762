"""Which isolation this machine offers, and the command line that wraps a sandboxed program.

Levels, strongest first:
- ``bwrap``: bubblewrap gives a read-only root, private /tmp and /dev, new PID, network, IPC
  and UTS namespaces, a new session, and death with the parent.
- ``unshare``: util-linux `unshare` gives new mount, PID, network, IPC and UTS namespaces; the
  harness then remounts everything read-only and mounts a private /tmp itself.
- ``rlimits``: no namespaces (e.g. inside a locked-down container): rlimits, a dropped uid,
  seccomp and the audit hook only, in a fresh host temporary directory.
Every level adds rlimits, a scrubbed environment, seccomp (no sockets) and, when running as
root, a dedicated unprivileged uid per worker slot, so RLIMIT_NPROC really bounds processes.
"""

from __future__ import annotations

import functools
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from benchlab.errors import BenchlabError

__all__ = [
    "ISOLATION_LEVELS",
    "Isolation",
    "IsolationPlan",
    "SandboxUnavailableError",
    "available_isolation",
    "best_isolation",
    "isolation_plan",
    "python_exposures",
    "sandbox_python",
]

Isolation = Literal["bwrap", "unshare", "rlimits"]
ISOLATION_LEVELS: tuple[Isolation, ...] = ("bwrap", "unshare", "rlimits")

#: The work directory inside the namespaced levels (a private tmpfs, gone with the sandbox).
INNER_WORKDIR = "/tmp/work"


class SandboxUnavailableError(BenchlabError):
    """An isolation level was requested that this machine cannot provide."""


@dataclass(frozen=True)
class IsolationPlan:
    """How to start one sandboxed program at a given level."""

    level: Isolation
    prefix: tuple[str, ...]
    mount_private_fs: bool
    inner_workdir: str | None


def _running_as_root() -> bool:
    return os.geteuid() == 0


def sandbox_env(workdir: str) -> dict[str, str]:
    """The whole environment a sandboxed program sees: no keys, tokens or proxies."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def interpreter_paths() -> tuple[str, ...]:
    """What a sandboxed program's interpreter reads: its prefixes and the harness's folder."""
    needed = {
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.prefix),
        str(Path(__file__).resolve().parent),
    }
    return tuple(sorted(needed))


def _bind_back(directory: str, paths: Sequence[str]) -> list[str]:
    """bwrap arguments that make `paths` visible again, read-only, under a fresh `directory`."""
    argv: list[str] = []
    for path in paths:
        between = Path(path).relative_to(directory).parents
        for parent in reversed([Path(directory, p) for p in between][:-1]):
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", path, path]
    return argv


@functools.cache
def python_exposures() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Private directories (e.g. /root) that hide the interpreter from the sandbox uid.

    Each entry is (private directory, paths under it the sandbox needs). The namespaced levels
    mount an empty tmpfs over the private directory and bind just those paths back read-only,
    so the dropped uid can import the standard library but sees nothing else there.
    """
    hidden: dict[str, set[str]] = {}
    for path in interpreter_paths():
        ancestor = Path(path)
        blocking = None
        for parent in [*reversed(ancestor.parents), ancestor]:
            if str(parent) == "/":
                continue
            try:
                mode = parent.stat().st_mode
            except OSError:
                break
            if not mode & stat.S_IXOTH:
                blocking = str(parent)
                break
        if blocking is not None:
            hidden.setdefault(blocking, set()).add(path)
    return tuple((directory, tuple(sorted(paths))) for directory, paths in sorted(hidden.items()))


def sandbox_python(level: Isolation) -> str | None:
    """The interpreter for `level`, or None when no interpreter suits a dropped uid.

    The namespaced levels expose this interpreter; without namespaces, a private one (e.g.
    pyenv under /root) is replaced by a system `python3` the sandbox uid can read.
    """
    if level != "rlimits" or not _running_as_root() or not python_exposures():
        return sys.executable
    hidden = [directory for directory, _ in python_exposures()]
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", shutil.which("python3")):
        if not candidate or not os.path.exists(candidate):
            continue
        real = os.path.realpath(candidate)
        if not any(real == d or real.startswith(d + "/") for d in hidden):
            return real
    return None


def _bwrap_prefix(tmpfs_bytes: int) -> tuple[str, ...]:
    executable = shutil.which("bwrap")
    if executable is None:
        raise SandboxUnavailableError("bubblewrap (`bwrap`) is not installed")
    argv = [
        executable,
        "--ro-bind", "/", "/",
        "--dev", "/dev",
        "--proc", "/proc",
        "--size", str(tmpfs_bytes), "--tmpfs", "/tmp",
        "--perms", "0777", "--dir", INNER_WORKDIR,
        "--chdir", INNER_WORKDIR,
    ]  # fmt: skip
    # An interpreter or checkout under /tmp (a CI clone, a virtualenv made there) would vanish
    # under the private /tmp: bind it back.
    argv += _bind_back("/tmp", [p for p in interpreter_paths() if p.startswith("/tmp/")])
    if _running_as_root():
        for directory, paths in python_exposures():
            argv += ["--tmpfs", directory, *_bind_back(directory, paths)]
    argv += [
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent", "--new-session",
        "--clearenv",
    ]  # fmt: skip
    for key, value in sandbox_env(INNER_WORKDIR).items():
        argv += ["--setenv", key, value]
    if _running_as_root():
        # The harness drops each program to the worker's own uid itself (which clears every
        # capability); until then it may switch uid, and, as a fork server, kill that uid's
        # processes and delete the directories they leave.
        argv += ["--cap-drop", "ALL"]
        for capability in ("SETUID", "SETGID", "KILL", "DAC_OVERRIDE", "FOWNER"):
            argv += ["--cap-add", f"CAP_{capability}"]
    else:
        argv += ["--unshare-user"]
    return (*argv, "--")


def _unshare_prefix() -> tuple[str, ...]:
    executable = shutil.which("unshare")
    if executable is None:
        raise SandboxUnavailableError("util-linux `unshare` is not installed")
    # A user is mapped to itself, not to root: root in its namespace would own its own /proc
    # files, memory included, however non-dumpable. --keep-caps keeps the namespace
    # capabilities the harness mounts with (they do not reach files of unmapped uids).
    user = () if _running_as_root() else (
        f"--map-user={os.getuid()}", f"--map-group={os.getgid()}", "--keep-caps",
    )  # fmt: skip
    return (
        executable,
        *user,
        "--mount", "--net", "--pid", "--ipc", "--uts",
        "--fork", "--kill-child", "--mount-proc",
        "--",
    )  # fmt: skip


def isolation_plan(level: Isolation, tmpfs_bytes: int) -> IsolationPlan:
    """The wrapper command and harness duties for `level` (raises if the tool is missing)."""
    if level == "bwrap":
        return IsolationPlan(level, _bwrap_prefix(tmpfs_bytes), False, INNER_WORKDIR)
    if level == "unshare":
        return IsolationPlan(level, _unshare_prefix(), True, INNER_WORKDIR)
    if level == "rlimits":
        return IsolationPlan(level, (), False, None)
    raise SandboxUnavailableError(
        f"unknown isolation level {level!r}; choose one of {', '.join(ISOLATION_LEVELS)}"
    )


@functools.cache
def available_isolation(level: Isolation) -> bool:
    """Whether `level` works here: probed once by running `true` inside its wrapper."""
    if level == "rlimits":
        return True
    try:
        plan = isolation_plan(level, 1 << 20)
    except SandboxUnavailableError:
        return False
    probe = "/bin/true" if os.path.exists("/bin/true") else "true"
    try:
        completed = subprocess.run(
            [*plan.prefix, probe],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0


def best_isolation() -> Isolation:
    """The strongest level this machine provides (`rlimits` always works)."""
    for level in ISOLATION_LEVELS:
        if available_isolation(level):
            return level
    return "rlimits"
