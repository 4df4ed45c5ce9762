"""The sandbox's basic contract: pass only with the nonce, results say how and where it ran."""

from __future__ import annotations

import os
import shutil

import pytest

from benchlab.errors import BenchlabError
from benchlab.sandbox import (
    Limits,
    Program,
    SandboxUnavailableError,
    available_isolation,
    best_isolation,
    run_program,
    run_programs,
)
from benchlab.sandbox.runner import RawOutcome, judge

GOOD = Program("def add(a, b):\n    return a + b\n", "assert add(2, 3) == 5\n", exports=("add",))
BAD = Program("def add(a, b):\n    return a - b\n", "assert add(2, 3) == 5, 'wrong sum'\n")
needs_bwrap = pytest.mark.skipif(
    not available_isolation("bwrap"), reason="bubblewrap (`bwrap`) is not installed or not usable"
)


def test_correct_program_passes_and_records_isolation() -> None:
    result = run_program(GOOD)
    assert result.passed and result.result == "passed"
    assert result.isolation == best_isolation()
    assert result.seccomp and result.guard


def test_wrong_program_fails_with_the_assertion_message() -> None:
    result = run_program(BAD)
    assert result.status == "failed"
    assert result.result == "failed: AssertionError: wrong sum"


def test_missing_export_is_a_failure_naming_it() -> None:
    result = run_program(Program("x = 1\n", "assert add(1, 1) == 2\n", exports=("add",)))
    assert result.status == "failed" and "'add'" in result.reason


def test_stdout_is_captured_and_environment_scrubbed() -> None:
    os.environ["BENCHLAB_SANDBOX_PROBE"] = "leak"
    try:
        result = run_program(Program("import os\nprint(sorted(os.environ))\n"))
    finally:
        del os.environ["BENCHLAB_SANDBOX_PROBE"]
    assert result.passed
    assert "BENCHLAB_SANDBOX_PROBE" not in result.stdout and "PATH" in result.stdout


@pytest.mark.parametrize("guard", [True, False])
def test_a_busy_loop_is_stopped_by_the_cpu_limit(guard: bool) -> None:
    """One CPU second runs out long before a generous wall clock, however loaded the machine."""
    loop = Program("while True:\n    pass\n", "pass\n")
    limits = Limits(wall_seconds=120.0, cpu_seconds=1)
    result = run_programs([loop], limits=limits, guard=guard, workers=1)[0]
    assert result.status == "timed out"
    assert "CPU limit" in result.reason, result.result


@pytest.mark.parametrize("level", ["bwrap", "unshare", "rlimits"])
def test_each_level_runs_and_is_recorded(level: str) -> None:
    if not available_isolation(level):
        pytest.skip(f"isolation {level!r} is not available on this machine")
    results = run_programs([GOOD, BAD], isolation=level, workers=2)
    assert [r.status for r in results] == ["passed", "failed"]
    assert {r.isolation for r in results} == {level}
    if os.geteuid() == 0:
        assert all(r.uid not in (None, 0) for r in results), "root must drop to a sandbox uid"


def test_unavailable_level_raises_a_benchlab_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchlab.sandbox import isolation

    monkeypatch.setattr(isolation.shutil, "which", lambda name: None)
    isolation.available_isolation.cache_clear()
    try:
        with pytest.raises(SandboxUnavailableError, match="bwrap") as caught:
            run_program(GOOD, isolation="bwrap")
        assert isinstance(caught.value, BenchlabError)
    finally:
        monkeypatch.undo()
        isolation.available_isolation.cache_clear()


NONCE = "0123456789abcdef" * 2
STARTED = b"started 1600000000 1 1\n"


@pytest.mark.parametrize(
    ("report", "status", "reason"),
    [
        (STARTED + f"passed {NONCE}\n".encode(), "passed", ""),
        (STARTED + b"failed " + b"boom".hex().encode() + b"\n", "failed", "boom"),
        (STARTED, "failed", "exited with status 0 before the checks completed"),
        (STARTED + b"passed " + b"0" * 32 + b"\n", "failed", "forged report: a `passed` line"),
        (STARTED + f"passed {'0' * 32}\npassed {NONCE}\n".encode(), "failed", "2 verdict lines"),
        (STARTED + f"passed {NONCE}\nfailed 00\n".encode(), "failed", "2 verdict lines"),
        (STARTED + f"passed {NONCE}".encode(), "failed", "forged report: an unterminated line"),
        (STARTED + b"started 0 1 1\n", "failed", "forged report: an unknown line"),
        (STARTED + b"failed not-hex\n", "failed", "forged report: a malformed `failed` line"),
    ],
)
def test_only_one_verdict_with_the_nonce_passes(report: bytes, status: str, reason: str) -> None:
    outcome = RawOutcome(0, 0.0, 0.0, b"", b"", report, False, "", False)
    result = judge(outcome, NONCE, Limits(), "rlimits")
    assert (result.status, result.uid) == (status, 1600000000)
    assert reason in result.reason and (reason or not result.reason)


def test_limits_reject_non_positive_values() -> None:
    with pytest.raises(ValueError, match="cpu_seconds"):
        Limits(cpu_seconds=0)


def test_pool_keeps_input_order() -> None:
    programs = [Program(f"x = {i}\n", f"assert x == {i if i % 2 else -1}\n") for i in range(6)]
    assert [r.passed for r in run_programs(programs, workers=3)] == [i % 2 == 1 for i in range(6)]


@needs_bwrap
def test_bwrap_root_is_read_only_and_network_is_private() -> None:
    code = (
        "import os\n"
        "try:\n    open('/usr/benchlab-probe', 'w')\nexcept OSError as e:\n    print(e.errno)\n"
        "print(open('/proc/self/net/dev').read().split('\\n', 2)[2])\n"
    )
    result = run_program(Program(code), isolation="bwrap", guard=False)
    assert result.passed, result.result
    lines = result.stdout.splitlines()
    assert lines[0] in ("13", "30")  # EACCES or EROFS
    interfaces = [line.split(":")[0].strip() for line in lines[1:] if ":" in line]
    assert interfaces == ["lo"]


@needs_bwrap
def test_bwrap_hides_other_processes() -> None:
    result = run_program(
        Program("import os\nprint(len([p for p in os.listdir('/proc') if p.isdigit()]))\n"),
        isolation="bwrap",
        guard=False,
    )
    assert result.passed and int(result.stdout) <= 3


def test_bubblewrap_presence_is_reported() -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed: the bwrap level cannot be tested here")
    assert available_isolation("bwrap")


@pytest.mark.parametrize("fork_server", [True, False])
def test_each_program_starts_fresh(fork_server: bool) -> None:
    if fork_server and os.geteuid() != 0:
        pytest.skip("fork servers need root (to run programs under another uid)")
    leaky = Program(
        "import builtins, os\nprint(sorted(os.listdir('.')), hasattr(builtins, 'leak'))\n"
        "open('left.txt', 'w').write('x')\nbuiltins.leak = 1\n"
    )
    results = run_programs([leaky] * 4, workers=1, fork_server=fork_server)
    assert [r.stdout.strip() for r in results] == ["[] False"] * 4


def test_fork_server_recovers_after_its_sandbox_is_killed() -> None:
    if os.geteuid() != 0:
        pytest.skip("fork servers need root (to run programs under another uid)")
    from benchlab.sandbox.forkserver import ForkServer

    server = ForkServer(best_isolation(), 250, Limits())
    try:
        assert server.run(GOOD, Limits(), True).passed
        assert server._process is not None
        os.killpg(server._process.pid, 9)
        server._process.wait()
        assert server.run(GOOD, Limits(), True).passed  # restarted transparently
        assert not server.run(BAD, Limits(), True).passed
    finally:
        server.close()
