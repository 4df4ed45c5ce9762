"""The sandbox works wherever benchlab lives, also under /tmp (a CI clone, a virtualenv there).

The namespaced levels give each program a private /tmp; the interpreter and the harness must
still be reachable when they sit below it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import benchlab
from benchlab.sandbox.isolation import ISOLATION_LEVELS, available_isolation

DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from benchlab.sandbox import Limits, Program, run_program
from benchlab.sandbox.isolation import interpreter_paths
results = {}
for level in json.loads(sys.argv[2]):
    program = Program("def candidate():\\n    return 42\\n", "assert candidate() == 42\\n")
    r = run_program(program, limits=Limits(wall_seconds=10, cpu_seconds=5), isolation=level)
    results[level] = [r.status, r.reason]
json.dump({"paths": interpreter_paths(), "results": results}, sys.stdout)
"""


@pytest.fixture
def open_tmp_folder() -> Iterator[Path]:
    """A world-readable folder right under /tmp, like a CI clone's (pytest's own is private)."""
    folder = Path(tempfile.mkdtemp(prefix="benchlab-location-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_a_checkout_and_virtualenv_under_tmp_run_at_every_level(open_tmp_folder: Path) -> None:
    source = Path(benchlab.__file__).parent
    package = open_tmp_folder / "checkout" / "benchlab"
    shutil.copytree(source / "sandbox", package / "sandbox",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copy(source / "errors.py", package / "errors.py")
    (package / "__init__.py").write_text("")
    levels = [level for level in ISOLATION_LEVELS if available_isolation(level)]
    if levels == ["rlimits"]:
        pytest.skip("no namespaced isolation level on this machine")
    venv = open_tmp_folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    done = subprocess.run(
        [venv / "bin" / "python", "-c", DRIVER, open_tmp_folder / "checkout", json.dumps(levels)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout)
    assert str(venv) in report["paths"]  # the case at hand: the interpreter lives under /tmp
    assert report["results"] == {level: ["passed", ""] for level in levels}
