"""The sandbox as a user runs it, though these tests run as root: the program is not root.

As root, each program drops to a sandbox uid, and the uid change alone already hides its own
memory from it. Run by a user, nothing but the sandbox's own measures does: the program is
made non-dumpable, and the unshare level maps the user to itself rather than to root. This
drops a copy of the package to `nobody` and runs hostile programs through it at every level,
with the guard off where the OS layers must hold alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import benchlab
from benchlab.sandbox.isolation import ISOLATION_LEVELS, sandbox_python
from tests.sandbox.test_hostile import (
    MEMORY_REFUSED,
    POSIXSUBPROCESS_ESCAPE,
    PROC_MEM_FORGERY,
    marked_processes,
)

NOBODY = 65534
# (guard, program, expected status, expected substring of the reason), at every level.
CASES = {
    "correct": (True, "def candidate():\n    return 42\n", "passed", ""),
    "forge_token_via_proc_mem": (False, PROC_MEM_FORGERY, "failed", MEMORY_REFUSED),
    "background_via_posixsubprocess": (
        True,
        POSIXSUBPROCESS_ESCAPE,
        "failed",
        "importing _posixsubprocess is not allowed",
    ),
}
# Run as `nobody` with the copy's directory as argv[1]: each (level, guard, code) on stdin
# against `assert candidate() == 42`; prints [status, reason, uid], or null where the level
# is unavailable to that user.
DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from benchlab.sandbox import Limits, Program, available_isolation, run_program
limits = Limits(wall_seconds=5, cpu_seconds=2)
results = []
for level, guard, code in json.load(sys.stdin):
    if not available_isolation(level):
        results.append(None)
        continue
    program = Program(code, "assert candidate() == 42\\n")
    r = run_program(program, limits=limits, isolation=level, guard=guard)
    results.append([r.status, r.reason, r.uid])
json.dump(results, sys.stdout)
"""


def _copy_package(shared: Path) -> Path:
    """The sandbox package (and the error it raises), readable by every user."""
    root = Path(tempfile.mkdtemp(prefix="benchlab-unprivileged-", dir=shared))
    source = Path(benchlab.__file__).parent
    package = root / "benchlab"
    shutil.copytree(source / "sandbox", package / "sandbox",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(source / "errors.py", package / "errors.py")
    (package / "__init__.py").write_text("")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


@pytest.fixture(scope="module")
def unprivileged_results(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[tuple[str, str], list | None]:
    """Every case at every level, run once by `nobody`; the host is checked afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become `nobody`; as a user every sandbox test runs this way")
    python = sandbox_python("rlimits")  # an interpreter a dropped uid can read, if any
    if python is None:
        pytest.skip("no Python interpreter here is readable by an unprivileged user")
    # Outside /tmp, which the namespaced levels replace with a private tmpfs.
    shared = Path("/var/tmp") if os.access("/var/tmp", os.W_OK) else tmp_path_factory.getbasetemp()
    root = _copy_package(shared)
    keys = [(level, name) for level in ISOLATION_LEVELS for name in CASES]
    requests = [[level, CASES[name][0], CASES[name][1]] for level, name in keys]
    try:
        completed = subprocess.run(
            [python, "-I", "-c", DRIVER, str(root)],
            input=json.dumps(requests),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=root,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            user=NOBODY,
            group=NOBODY,
            extra_groups=[],
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert marked_processes() == []
    return dict(zip(keys, json.loads(completed.stdout), strict=True))


@pytest.mark.parametrize("level", ISOLATION_LEVELS)
@pytest.mark.parametrize("name", list(CASES))
def test_unprivileged_program_is_contained(
    unprivileged_results: dict[tuple[str, str], list | None], level: str, name: str
) -> None:
    outcome = unprivileged_results[level, name]
    if outcome is None:
        pytest.skip(f"isolation {level!r} is unavailable to an unprivileged user here")
    status, reason, uid = outcome
    _, _, expected_status, expected_reason = CASES[name]
    assert (status, uid) == (expected_status, NOBODY), outcome  # never root, even namespaced
    assert expected_reason in reason, outcome
