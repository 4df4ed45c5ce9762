"""Hostile programs at every isolation level this machine has, with and without the guard.

Each case is contained, scored as not passed with the expected reason, and leaves the host's
process tree, files and environment unchanged; the harness keeps going after every one.
`guard=False` switches off the in-process audit hook to show the OS layers hold on their own
(where they can: a case names the levels whose OS layers stop it without the guard).
The forgeries write the harness's real `passed NONCE` line, so a leaked nonce would pass.
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
# A shell that stays alive for 30 s with the marker in its command line (dash, a common
# /bin/sh, cannot rename a process with `exec -a`), so the after-checks find it if it is left.
MARKED_SLEEP = f"sleep 30; : {MARKER}"
ALL_LEVELS = frozenset({"bwrap", "unshare", "rlimits"})
NAMESPACED = frozenset({"bwrap", "unshare"})

# Writes `lines` (a bytes expression over the names defined before it) to every descriptor
# that might be the report channel, then leaves before the harness can report.
_WRITE_AND_EXIT = (
    "for fd in range(3, 64):\n    try:\n        os.write(fd, {lines})\n"
    "    except OSError:\n        pass\nos._exit(0)\n"
)
# Reports each non-empty entry of `tokens` (nonces read from the harness's frames).
_WRITE_TOKENS = _WRITE_AND_EXIT.format(
    lines="''.join(f'passed {t}\\n' for t in tokens if t).encode()"
)
# Reads its own memory through /proc/self/mem, reached by a path relative to a descriptor of
# / (which a check of the path against the working directory misses), and reports every
# 32-hex string in it as the nonce.
PROC_MEM_FORGERY = (
    "import os, re\nroot = os.open('/', os.O_RDONLY | os.O_DIRECTORY)\n"
    "maps = os.read(os.open('proc/self/maps', os.O_RDONLY, dir_fd=root), 1 << 20).decode()\n"
    "mem = os.open('proc/self/mem', os.O_RDONLY, dir_fd=root)\nfound = set()\n"
    "for line in maps.splitlines():\n    span, perms = line.split()[:2]\n"
    "    start, end = (int(x, 16) for x in span.split('-'))\n"
    "    if perms.startswith('r') and end - start <= 64 << 20:\n        try:\n"
    "            data = os.pread(mem, end - start, start)\n        except OSError:\n"
    "            continue\n"
    "        found.update(re.findall(rb'(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])', data))\n"
    + _WRITE_AND_EXIT.format(lines="b''.join(b'passed ' + t + b'\\n' for t in found)")
)
# A setsid child that would outlive the program, marked so the after-checks can find it,
# started by `fork_exec` (Python 3.11's signature), which raises no audit event.
FORK_EXEC_CHILD = (
    f"r, w = os.pipe()\nfork_exec([b'/bin/sh', b'-c', b'{MARKED_SLEEP}'], "
    "[b'/bin/sh'], True, (), None, None, -1, -1, -1, -1, -1, -1, r, w, True, True, -1, "
    "None, None, None, -1, None, False)\n"
)
POSIXSUBPROCESS_ESCAPE = (
    f"import os\nfrom _posixsubprocess import fork_exec\n{FORK_EXEC_CHILD}{WRONG}"
)
# What the OS layers say when the program, not root and not dumpable, opens its memory.
MEMORY_REFUSED = "Permission denied: 'proc/self/mem'"


@dataclass(frozen=True)
class Case:
    code: str
    expect: frozenset[str]  # acceptable statuses (never "passed")
    reason: str = ""  # substring of the reason, when the outcome is deterministic
    os_reason: str | None = None  # the reason with the guard off, where it differs
    os_levels: frozenset[str] = ALL_LEVELS  # where the OS layers alone stop it (guard off)
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
            "import os\nprint(dict(os.environ))\n"
            "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]\n"
            "read = 0\nfor pid in others:\n    try:\n"
            "        read += bool(open(f'/proc/{pid}/environ', 'rb').read())\n"
            "    except OSError:\n        pass\n"
            "raise RuntimeError(f'read {read} of {len(others)} environments')\n",
            failed,
            "/proc is not readable",
            os_reason="read 0 of",
        ),
        "read_other_proc": Case(
            f"print(open('/proc/{host_pid}/cmdline').read())\n",
            failed,
            "/proc is not readable",
            os_reason="FileNotFoundError",
            os_levels=NAMESPACED,  # without namespaces, host processes are world-visible
        ),
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
        # Semantic cheats: the program's answer, or the names the test uses, lie about the value.
        "always_equal_object": Case(
            "class Equal:\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = object.__hash__\ndef candidate():\n    return Equal()\n",
            failed,
            "no value outside",
        ),
        "int_subclass_equal": Case(
            "class Int(int):\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = int.__hash__\ndef candidate():\n    return Int(0)\n",
            failed,
            "no value outside",
        ),
        "nested_equal_object": Case(
            "class Equal(str):\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = str.__hash__\ndef candidate():\n    return [Equal('x')]\n",
            failed,
            "no value outside",
            test="assert candidate() == ['forty-two']\n",
        ),
        "fake_class_attribute": Case(
            "class Fake:\n    __class__ = int\n    def __eq__(self, other):\n        return True\n"
            "    __hash__ = object.__hash__\ndef candidate():\n    return Fake()\n",
            failed,
            "no value outside",
            test="assert candidate() == 42 and isinstance(candidate(), int)\n",
        ),
        "truthy_object": Case(
            "def candidate():\n    return object()\n",
            failed,
            "no truth value",
            test="assert candidate()\n",
        ),
        "patched_module_function": Case(
            "import math\nmath.isclose = lambda *args, **kwargs: True\n"
            "math.fabs = lambda x: 0.0\ndef candidate():\n    return 0.0\n",
            failed,
            "AssertionError",
            test="import math\nassert math.isclose(candidate(), 42.0)\n"
            "assert math.fabs(candidate() - 42.0) < 1e-6\n",
        ),
        "patched_builtins_at_call_time": Case(
            "import builtins\ndef candidate():\n    builtins.isinstance = lambda *a: True\n"
            "    builtins.AssertionError = StopIteration\n    builtins.abs = lambda x: 0\n"
            "    return 0\n",
            failed,
            "AssertionError",
            test="value = candidate()\nassert abs(value - 42) < 1e-6 and isinstance(value, int)\n",
        ),
        "shadowed_builtin_names": Case(
            "def abs(x):\n    return 0\ndef isinstance(*args):\n    return True\n"
            "def sorted(x):\n    return [42]\ndef candidate():\n    return [0]\n",
            failed,
            "AssertionError",
            test="assert abs(candidate()[0] - 42) < 1e-6\nassert sorted(candidate()) == [42]\n",
        ),
        "forge_token_via_fds": Case(
            # the nonce, if argv or the environment leaked it, else a guess
            "import os, re, sys\n"
            "found = re.findall('[0-9a-f]{32}', repr(sys.argv) + repr(dict(os.environ)))\n"
            "guess = found[0] if found else '0' * 32\n"
            + _WRITE_AND_EXIT.format(lines="f'passed {guess}\\n'.encode()"),
            failed,
            "before the checks completed",  # its descriptors lead to the judge, not the report
        ),
        "forge_token_brute_force": Case(
            "import os, random\n"
            "lines = b''.join(b'passed %032x\\n' % random.getrandbits(128) for _ in range(10000))\n"
            + _WRITE_AND_EXIT.format(lines="lines"),
            failed,
            "before the checks completed",
        ),
        "forge_token_via_proc_mem": Case(
            PROC_MEM_FORGERY,
            failed,
            "/proc is not readable",
            os_reason=MEMORY_REFUSED,
        ),
        "forge_token_via_frames": Case(
            "import sys, os\nf, tokens = sys._getframe(), []\nwhile f:\n"
            "    tokens.append(f.f_locals.get('nonce'))\n    f = f.f_back\n" + _WRITE_TOKENS,
            failed,
            "not allowed",
            os_levels=frozenset(),
        ),
        "forge_token_via_traceback": Case(
            "import os\ntokens = []\ntry:\n    1 / 0\nexcept Exception as e:\n"
            "    f = e.__traceback__.tb_frame\n    while f:\n"
            "        tokens.append(f.f_locals.get('nonce'))\n        f = f.f_back\n"
            + _WRITE_TOKENS,
            failed,
            "not allowed",
            os_levels=frozenset(),
        ),
        "forge_token_via_signal_handler": Case(
            "import importlib.util, os\nspec = importlib.util.find_spec('_signal')\n"
            "signal = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(signal)\n"
            "tokens = []\n"
            "def grab(signum, f):\n    while f:\n"
            "        tokens.append(f.f_locals.get('nonce'))\n        f = f.f_back\n"
            "signal.signal(signal.SIGUSR1, grab)\nsignal.raise_signal(signal.SIGUSR1)\n"
            + _WRITE_TOKENS,
            failed,
            "creating module '_signal' is not allowed",
            os_levels=frozenset(),
        ),
        "background_process": Case(
            "import subprocess\nsubprocess.Popen(['/bin/sh', '-c', "
            f"'{MARKED_SLEEP}'], start_new_session=True)\n{WRONG}",
            failed,
        ),
        "daemon_via_fork": Case(
            f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    "
            f"os.execv('/bin/sh', ['/bin/sh', '-c', '{MARKED_SLEEP}'])\n{WRONG}",
            failed,
        ),
        # Without the guard these are `background_process`: Popen calls fork_exec too.
        "background_via_posixsubprocess": Case(
            POSIXSUBPROCESS_ESCAPE,
            failed,
            "importing _posixsubprocess is not allowed",
            os_levels=frozenset(),
        ),
        "background_via_import_machinery": Case(
            "import importlib.util, os\nspec = importlib.util.find_spec('_posixsubprocess')\n"
            "module = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(module)\n"
            f"fork_exec = module.fork_exec\n{FORK_EXEC_CHILD}{WRONG}",
            failed,
            "creating module '_posixsubprocess' is not allowed",
            os_levels=frozenset(),
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


def marked_processes() -> list[int]:
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


def _cmdline(pid: int) -> str:
    """What a leftover process runs, for the failure message."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return f"{pid} (gone)"


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
    names = [n for n, c in cases.items() if guard or level in c.os_levels]
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
        left = marked_processes()
        assert left == [], [_cmdline(pid) for pid in left]
        assert _children(os.getpid()) <= before_children
    finally:
        os.environ.pop(SECRET_NAME, None)
    return level, guard, cases, dict(zip(names, results, strict=True)), elapsed


CASE_NAMES = list(_cases(Path("/x"), 1))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_program_is_contained(
    outcomes: tuple[str, bool, dict[str, Case], dict[str, ExecutionResult], float], name: str
) -> None:
    level, guard, cases, results, _ = outcomes
    case = cases[name]
    if name not in results:
        pytest.skip(f"only the in-process guard stops this at the {level} level; guard is off")
    result = results[name]
    assert result.isolation == level
    assert result.status != "passed", result
    assert result.status in case.expect, result.result
    reason = case.reason if guard or case.os_reason is None else case.os_reason
    if reason:
        assert reason in result.reason, result.result
    assert SECRET_VALUE not in result.stdout + result.stderr
    assert result.seccomp


def test_suite_is_quick(outcomes: tuple) -> None:
    *_, elapsed = outcomes
    assert elapsed < 20, f"hostile cases took {elapsed:.1f}s at one level"
