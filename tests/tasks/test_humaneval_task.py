"""The HumanEval matrix task: requests, scoring by execution, pass@k metrics with CIs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchlab.errors import ConfigError, DataError
from benchlab.requests import GenerationRequest, GenerationResult
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.scoring.pass_at_k import pass_at_k
from benchlab.tasks.base import EvalContext, Prediction
from benchlab.tasks.code.completion import STOP_SEQUENCES
from benchlab.tasks.code.humaneval import HumanEvalTask, build_humaneval
from benchlab.tasks.registry import task_entries
from tests.helpers import write_config
from tests.tasks.test_humaneval_problems import TINY_PROBLEMS, WRONG_COMPLETIONS, write_problems


@pytest.fixture
def task(tmp_path: Path) -> HumanEvalTask:
    path = write_problems(tmp_path / "tiny.jsonl.gz")
    return build_humaneval("he", {"path": str(path), "num_samples": 2, "temperature": 0.8,
                                  "ks": [1, 2, 10], "timeout": 2})  # fmt: skip


def test_registered_as_a_code_task() -> None:
    entry = task_entries()["humaneval"]
    assert entry.family == "code"


def test_examples_and_requests(task: HumanEvalTask) -> None:
    examples = task.load_split("eval")
    assert [e.id for e in examples] == ["Tiny/0", "Tiny/1", "Tiny/2"]
    (request,) = task.requests_for(examples[0], (), EvalContext(seed=7))
    assert isinstance(request, GenerationRequest)
    assert request.prompt == TINY_PROBLEMS[0]["prompt"]
    assert request.stop == STOP_SEQUENCES and request.num_samples == 2 and request.seed == 7
    with pytest.raises(DataError):
        task.load_split("train")


def test_score_executes_samples_and_metrics_give_pass_at_k_with_ci(task: HumanEvalTask) -> None:
    predictions = []
    for example, record in zip(task.load_split("eval"), TINY_PROBLEMS, strict=True):
        right = record["canonical_solution"] + "\n\ndef unrelated():\n    pass\n"
        wrong = WRONG_COMPLETIONS[example.id]
        texts = (right, wrong) if example.id != "Tiny/2" else (wrong, wrong)
        predictions.append(task.score(example, [GenerationResult(texts)]))
    assert [p.details["num_correct"] for p in predictions] == [1, 1, 0]
    assert [p.correct for p in predictions] == [True, True, False]
    assert "unrelated" not in predictions[0].prediction[0]  # cleaned completion is recorded
    metrics = task.metrics(predictions, n_resamples=200)
    assert set(metrics) == {"pass@1", "pass@2"}  # pass@10 needs n >= 10
    assert metrics["pass@1"].value == pytest.approx(np.mean([0.5, 0.5, 0.0]))
    assert metrics["pass@2"].value == pytest.approx(np.mean([pass_at_k(2, 1, 2)] * 2 + [0]))
    for metric in metrics.values():
        assert metric.n == 3
        assert metric.ci_low <= metric.value <= metric.ci_high
    assert metrics["pass@1"].value <= metrics["pass@2"].value


def test_metrics_of_nothing_is_empty(task: HumanEvalTask) -> None:
    assert task.metrics([]) == {}
    lone = Prediction("x", "", "", "", True, {"num_samples": 1, "num_correct": 1})
    assert set(task.metrics([lone], n_resamples=50)) == {"pass@1"}


def test_options_are_validated() -> None:
    with pytest.raises(ConfigError, match="temperature"):
        build_humaneval("he", {"num_samples": 5})
    with pytest.raises(ConfigError, match="he"):
        build_humaneval("he", {"bogus": 1})


def test_has_no_train_split(task: HumanEvalTask) -> None:
    assert not task.has_train_split()


def test_runs_through_the_matrix_with_pass_at_1_and_a_sandbox_result_per_sample(
    tmp_path: Path,
) -> None:
    problems = write_problems(tmp_path / "problems.jsonl.gz")
    humaneval = {
        "name": "code",
        "type": "humaneval",
        "path": str(problems),
        "num_samples": 2,
        "temperature": 0.8,
        "max_new_tokens": 24,
    }
    config = write_config(
        tmp_path / "c.yaml",
        tasks=[humaneval],
        modes=[
            {"name": "zero-shot", "type": "zero_shot"},
            {"name": "few-shot", "type": "few_shot"},
        ],
        profiles={"quick": {"latency_examples": 1, "bootstrap_resamples": 200}},
    )
    plan = load_plan(config)
    # few-shot is skipped (HumanEval has no train split), as the encoder is for prompting
    assert [spec.id for spec in plan.experiments] == ["tiny-llama_code_zero-shot"]
    summary = run_plan(plan, tmp_path / "run")
    assert summary.ok, summary.errors

    folder = tmp_path / "run" / "experiments" / "tiny-llama_code_zero-shot"
    results = json.loads((folder / "results.json").read_text())
    lines = (folder / "predictions.jsonl").read_text().splitlines()
    predictions = [json.loads(line) for line in lines]
    assert [p["id"] for p in predictions] == ["Tiny/0", "Tiny/1", "Tiny/2"]
    outcomes = ("passed", "failed", "timed out", "error")
    for prediction in predictions:
        assert prediction["num_samples"] == len(prediction["results"]) == 2
        assert all(result.startswith(outcomes) for result in prediction["results"])
        assert prediction["num_correct"] == sum(r == "passed" for r in prediction["results"])
        assert prediction["isolation"]
    pass_at_1 = results["metrics"]["pass@1"]
    by_hand = np.mean([p["num_correct"] / p["num_samples"] for p in predictions])
    assert pass_at_1["value"] == pytest.approx(by_hand)
    assert pass_at_1["n"] == results["n_eval"] == 3
    assert pass_at_1["ci_low"] <= pass_at_1["value"] <= pass_at_1["ci_high"]
