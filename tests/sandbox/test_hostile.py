"""Hostile programs at every isolation level this machine has, with and without the guard.

Each case is contained, scored as not passed with the expected reason, and leaves the host's
process tree, files and environment unchanged; the harness keeps going after every one.
`guard=False` switches off the in-process audit hook to show the OS layers hold on their own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchlab.sandbox import ExecutionResult, Limits, Program, available_isolation, run_programs

MARKER = "benchlab_hostile_marker_7f3a"
SECRET_NAME = "BENCHLAB_TEST_API_KEY"
SECRET_VALUE = "sk-hostile-secret-5c1d9e"
LIMITS = Limits(wall_seconds=3.0, cpu_seconds=1, memory_bytes=256 << 20, max_processes=16)
WRONG = "def candidate():\n    return 0\n"
CHECK = "assert candidate() == 42\n"


@dataclass(frozen=True)
class Case:
    code: str
    expect: frozenset[str]  # acceptable statuses (never "passed")
    reason: str = ""  # substring of the reason, when the outcome is deterministic
    guard_only: bool = False  # only the in-process guard can stop it (see the module docstring)
    test: str = CHECK


def _cases(canary: Path, host_pid: int) -> dict[str, Case]:
    failed, timed_out = frozenset({"failed"}), frozenset({"timed out"})
    anything = frozenset({"failed", "timed out", "error"})
    return {
        "infinite_loop": Case("while True:\n    pass\n", timed_out, "CPU limit"),
        "sleep_forever": Case("import time\ntime.sleep(60)\n", timed_out, "wall-clock"),
        "fork_bomb": Case(
            "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
            "        pass\n",
            anything,
        ),
        "memory_bomb": Case("x = [bytearray(1 << 26) for _ in range(64)]\n", failed, "MemoryError"),
        "print_flood_1gb": Case(
            "import sys\nfor _ in range(16384):\n    sys.stdout.write('x' * 65536)\n",
            frozenset({"error"}),
            "exceeded",
        ),
        "deep_recursion": Case("def f(n):\n    return f(n + 1)\nf(0)\n", failed, "RecursionError"),
        "write_outside": Case(f"open({str(canary / 'evil.txt')!r}, 'w').write('x')\n", failed),
        "write_tmp": Case(f"open('/tmp/{MARKER}.txt', 'w').write('x')\n{WRONG}", failed),
        "delete_outside": Case(f"import os\nos.remove({str(canary / 'keep.txt')!r})\n", failed),
        "chmod_outside": Case(
            f"import os\nos.chmod({str(canary / 'keep.txt')!r}, 0o777)\n", failed
        ),
        "kill_parent_and_all": Case(
            "import os\nfor pid in (os.getppid(), -1, "
            f"{host_pid}):\n    try:\n        os.kill(pid, 9)\n    except OSError:\n"
            f"        pass\n{WRONG}",
            failed,
        ),
        "read_parent_environment": Case(
            "import os\nprint(dict(os.environ))\nfor pid in os.listdir('/proc'):\n"
            "    try:\n        print(open(f'/proc/{pid}/environ').read())\n"
            f"    except OSError:\n        pass\n{WRONG}",
            failed,
        ),
        "read_other_proc": Case(f"print(open('/proc/{host_pid}/cmdline').read())\n{WRONG}", failed),
        "socket": Case("import socket\nsocket.socket()\n", failed),
        "http": Case(
            "import urllib.request\nurllib.request.urlopen('http://1.1.1.1/', timeout=1)\n",
            failed,
        ),
        "sys_exit_0": Case(f"{WRONG}import sys\nsys.exit(0)\n", failed, "SystemExit"),
        "os_exit_0": Case(f"{WRONG}import os\nos._exit(0)\n", failed, "before the checks"),
        "monkeypatch_builtins": Case(
            "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.len = lambda x: 0\n"
            "def candidate():\n    return 0\n",
            failed,
            "AssertionError",
            test="assert abs(candidate() - 42) < 1e-6\n",
        ),
        "monkeypatch_checker": Case(
            "def check(c):\n    return None\ndef helper(x):\n    return 0\n"
            "def candidate():\n    return 0\n",
            failed,
            "AssertionError",
            test="def check(c):\n    assert helper(c()) == 42\ncheck(candidate)\n",
        ),
        "forge_token_via_fds": Case(
            "import os, sys, json\nline = json.dumps({'event': 'passed', 'token': "
            "' '.join(sys.argv)}) + '\\n'\nfor fd in range(3, 64):\n    try:\n"
            "        os.write(fd, line.encode())\n    except OSError:\n        pass\n"
            "os._exit(0)\n",
            failed,
            "before the checks",
        ),
        "forge_token_via_frames": Case(
            "import sys, os, json\nf = sys._getframe()\nwhile f.f_back:\n    f = f.f_back\n"
            "token = f.f_locals.get('nonce')\nfor fd in range(3, 64):\n    try:\n"
            "        os.write(fd, (json.dumps({'event': 'passed', 'token': token}) + '\\n')"
            ".encode())\n    except OSError:\n        pass\nos._exit(0)\n",
            failed,
            "not allowed",
            guard_only=True,
        ),
        "forge_token_via_traceback": Case(
            "import os, json\ntry:\n    1 / 0\nexcept Exception as e:\n    f = e.__traceback__"
            ".tb_frame\n    while f.f_back:\n        f = f.f_back\n"
            "    os.write(4, json.dumps({'event': 'passed', 'token': f.f_locals['nonce']})"
            ".encode())\nos._exit(0)\n",
            failed,
            "not allowed",
            guard_only=True,
        ),
        "background_process": Case(
            "import subprocess\nsubprocess.Popen(['/bin/sh', '-c', "
            f"'exec -a {MARKER} sleep 30'], start_new_session=True)\n{WRONG}",
            failed,
        ),
        "daemon_via_fork": Case(
            f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    "
            f"os.execv('/bin/sh', ['/bin/sh', '-c', 'exec -a {MARKER} sleep 30'])\n{WRONG}",
            failed,
        ),
    }


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _marked_processes() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if MARKER.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


def _tree(directory: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(p): (p.stat().st_mode, p.read_bytes() if p.is_file() else b"")
        for p in sorted(directory.rglob("*"))
    }


LEVELS = [
    pytest.param(
        level,
        marks=pytest.mark.skipif(
            not available_isolation(level), reason=f"isolation {level!r} unavailable here"
        ),
    )
    for level in ("bwrap", "unshare", "rlimits")
]


# Fork servers (the default as root) with and without the guard; one fresh sandbox per
# program (the path taken when not root) with the guard off, where only the OS layers hold.
MODES = [(True, True), (False, True), (False, False)]


@pytest.fixture(
    scope="module",
    params=[(lvl, g, fs) for lvl in LEVELS for g, fs in MODES],
    ids=lambda p: (
        f"{p[0].values[0]}-{'guard' if p[1] else 'noguard'}-{'forkserver' if p[2] else 'fresh'}"
    ),
)
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Run every hostile case once per (level, guard, mode) and check the host afterwards."""
    param, guard, fork_server = request.param
    level = param.values[0]
    for mark in param.marks:
        if mark.args and mark.args[0]:
            pytest.skip(mark.kwargs["reason"])
    # Outside /tmp, which the namespaced levels replace with a private tmpfs.
    shared = Path("/var/tmp") if os.access("/var/tmp", os.W_OK) else tmp_path_factory.getbasetemp()
    canary = Path(tempfile.mkdtemp(prefix="benchlab-canary-", dir=shared))
    request.addfinalizer(lambda: shutil.rmtree(canary, ignore_errors=True))
    canary.chmod(0o755)
    (canary / "keep.txt").write_text("keep")
    (canary / "keep.txt").chmod(0o644)
    cases = _cases(canary, os.getpid())
    os.environ[SECRET_NAME] = SECRET_VALUE
    before_env = dict(os.environ)
    before_children = _children(os.getpid())
    before_files = _tree(canary)
    names = [n for n, c in cases.items() if guard or not c.guard_only]
    programs = [Program(cases[n].code, cases[n].test) for n in names]
    started = time.monotonic()
    results = run_programs(
        programs, workers=2, limits=LIMITS, isolation=level, guard=guard, fork_server=fork_server
    )
    elapsed = time.monotonic() - started
    try:
        assert dict(os.environ) == before_env
        assert _tree(canary) == before_files
        assert not Path(f"/tmp/{MARKER}.txt").exists()
        assert _marked_processes() == []
        assert _children(os.getpid()) <= before_children
    finally:
        os.environ.pop(SECRET_NAME, None)
    return level, guard, cases, dict(zip(names, results, strict=True)), elapsed


CASE_NAMES = list(_cases(Path("/x"), 1))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_program_is_contained(
    outcomes: tuple[str, bool, dict[str, Case], dict[str, ExecutionResult], float], name: str
) -> None:
    level, _guard, cases, results, _ = outcomes
    case = cases[name]
    if name not in results:
        pytest.skip("only the in-process guard can stop frame introspection; guard is off")
    result = results[name]
    assert result.isolation == level
    assert result.status != "passed", result
    assert result.status in case.expect, result.result
    if case.reason:
        assert case.reason in result.reason, result.result
    assert SECRET_VALUE not in result.stdout + result.stderr
    assert result.seccomp


def test_suite_is_quick(outcomes: tuple) -> None:
    *_, elapsed = outcomes
    assert elapsed < 20, f"hostile cases took {elapsed:.1f}s at one level"
