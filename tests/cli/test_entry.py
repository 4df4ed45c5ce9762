"""`benchlab --help` answers from a static table without Typer; the table matches the commands."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from benchlab.cli.entry import COMMANDS, help_text
from benchlab.cli.main import app

SRC = Path(__file__).resolve().parents[2] / "src"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "benchlab", *args], capture_output=True, text=True, env=env
    )


def test_each_help_line_is_the_commands_own_docstring() -> None:
    from typer.main import get_group

    group = get_group(app)
    for name, (_, line) in COMMANDS.items():
        command = group.get_command(None, name)
        assert command is not None, name
        own = command.callback.__doc__ if command.callback is not None else None
        assert (own or command.help).strip().splitlines()[0] == line  # a group: its help


def test_every_registered_command_is_in_the_table() -> None:
    import importlib
    import pkgutil

    import typer
    from typer.main import get_group

    import benchlab.cli

    for info in pkgutil.iter_modules(benchlab.cli.__path__, "benchlab.cli."):
        module = importlib.import_module(info.name)
        if not callable(getattr(module, "register", None)):
            continue
        sub = typer.Typer()
        module.register(sub)
        for name in get_group(sub).commands:
            assert COMMANDS.get(name, ("",))[0] == info.name, f"add {name!r} to COMMANDS"


def test_typer_help_and_fast_help_are_the_same_text() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert result.output == help_text()
    fast = _run("--help")
    assert fast.returncode == 0 and fast.stdout == help_text()


def test_bare_help_imports_neither_typer_nor_a_command() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['benchlab', '--help']\n"
        "from benchlab.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0\n"
        "loaded = [m for m in sys.modules if m.startswith(('typer', 'click', 'rich', "
        "'benchlab.cli.run', 'benchlab.config'))]\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


def test_no_arguments_prints_help_and_exits_2_and_unknown_commands_fail() -> None:
    bare = _run()
    assert bare.returncode == 2 and "Commands:" in bare.stderr
    unknown = _run("frobnicate")
    assert unknown.returncode == 2 and "No such command 'frobnicate'" in unknown.stderr


def test_help_starts_faster_than_importing_typer() -> None:
    # A relative bound (absolute times depend on the machine's load): the fast path must cost
    # well under what importing Typer alone costs.
    env = {**os.environ, "PYTHONPATH": str(SRC)}

    def best(args: list[str]) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run(args, env=env, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        return min(times)

    helps = best([sys.executable, "-m", "benchlab", "--help"])
    typer_import = best([sys.executable, "-c", "import typer"])
    assert helps < typer_import
