"""The MBPP task on generated problems: lm-eval's prompt, execution of the asserts, pass@k."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchlab.errors import ConfigError, DataError
from benchlab.requests import GenerationResult
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.tasks.base import EvalContext
from benchlab.tasks.code.mbpp import MbppTask, build_mbpp
from benchlab.tasks.registry import task_entries
from tests.helpers import write_config, write_jsonl

# MBPP's "full" fields; 12 needs its setup code (a helper the asserts call).
PROBLEMS = [
    {
        "task_id": 11,
        "text": "Write a function to add two numbers.",
        "code": "def add(a, b):\r\n  return a + b",
        "test_list": ["assert add(1, 2) == 3", "assert add(0, 0) == 0", "assert add(-1, 1) == 0"],
        "test_setup_code": "",
        "challenge_test_list": [],
    },
    {
        "task_id": 12,
        "text": "Write a function to square a number.",
        "code": "def square(x):\r\n  return x * x",
        "test_list": ["assert twice(square(2)) == 8", "assert square(3) == 9"],
        "test_setup_code": "def twice(x):\n    return 2 * x",
        "challenge_test_list": [],
    },
    {
        "task_id": 13,
        "text": "Write a python function to reverse a string.",
        "code": "def rev(s):\r\n  return s[::-1]",
        "test_list": ["assert rev('ab') == 'ba'", "assert rev('') == ''", "assert rev('x') == 'x'"],
        "test_setup_code": "",
        "challenge_test_list": [],
    },
]
SHOTS = [
    {
        "task_id": 2,
        "text": "Write a function to negate a number.",
        "code": "def neg(x):\r\n  return -x",
        "test_list": ["assert neg(1) == -1", "assert neg(0) == 0", "assert neg(-2) == 2"],
        "test_setup_code": "",
        "challenge_test_list": [],
    },
    {
        "task_id": 3,
        "text": "Write a function to check evenness.",
        "code": "def even(n):\r\n  return n % 2 == 0",
        "test_list": ["assert even(2)", "assert not even(3)", "assert even(0)"],
        "test_setup_code": "",
        "challenge_test_list": [],
    },
]
WRONG = "def rev(s):\n    return s\n"  # passes two of the three asserts
EARLY_EXITS = (
    "def rev(s):\n    return s\nprint('passed')\nraise SystemExit(0)\n",
    "import os\nprint('passed')\nos._exit(0)\n",
)


def write_files(folder: Path) -> tuple[Path, Path]:
    """The three problems as JSONL and the two shots as a JSON list."""
    problems = write_jsonl(folder / "mbpp.jsonl", PROBLEMS)
    shots = folder / "shots.json"
    shots.write_text(json.dumps(SHOTS), encoding="utf-8")
    return problems, shots


@pytest.fixture
def task(tmp_path: Path) -> MbppTask:
    problems, shots = write_files(tmp_path)
    return build_mbpp("mbpp", {"eval": str(problems), "shots": str(shots), "timeout": 2})


def test_registered_as_a_code_task_without_train_split(task: MbppTask) -> None:
    assert task_entries()["mbpp"].family == "code"
    assert not task.has_train_split()
    with pytest.raises(DataError, match="only an eval split"):
        task.load_split("train")


def test_prompt_is_lm_evals_few_shot_format(task: MbppTask) -> None:
    examples = task.load_split("eval")
    assert [e.id for e in examples] == ["11", "12", "13"]
    expected = (
        "You are an expert Python programmer, and here is your task: Write a function to "
        "negate a number. Your code should pass these tests:\n\nassert neg(1) == -1\n"
        "assert neg(0) == 0\nassert neg(-2) == 2\n[BEGIN]\ndef neg(x):\r\n  return -x\n[DONE]\n\n"
        "You are an expert Python programmer, and here is your task: Write a function to "
        "check evenness. Your code should pass these tests:\n\nassert even(2)\n"
        "assert not even(3)\nassert even(0)\n[BEGIN]\ndef even(n):\r\n  return n % 2 == 0\n"
        "[DONE]\n\n"
        "You are an expert Python programmer, and here is your task: Write a python function "
        "to reverse a string. Your code should pass these tests:\n\nassert rev('ab') == 'ba'\n"
        "assert rev('') == ''\nassert rev('x') == 'x'\n[BEGIN]\n"
    )
    (request,) = task.requests_for(examples[2], (), EvalContext(seed=3))
    assert request.prompt == expected
    assert request.stop == ("[DONE]",) and request.seed == 3 and request.num_samples == 1


def test_only_a_completion_that_runs_every_assert_passes(task: MbppTask) -> None:
    examples = task.load_split("eval")
    right = [p["code"] + "\n[DONE]\nchatter" for p in PROBLEMS]  # cut at [DONE]
    predictions = task.score_batch(examples, [[GenerationResult((text,))] for text in right])
    assert [p.correct for p in predictions] == [True, True, True]
    assert predictions[0].prediction == PROBLEMS[0]["code"] + "\n"
    assert predictions[2].input.endswith("assert rev('x') == 'x'\n[BEGIN]\n")
    assert "neg" not in predictions[2].input  # the recorded input leaves out the shots
    assert all(p.details["isolation"] for p in predictions)

    failing = task.score(examples[2], [GenerationResult((WRONG, *EARLY_EXITS))])
    assert not failing.correct
    assert failing.details["num_samples"] == 3 and failing.details["num_correct"] == 0
    assert failing.details["results"][0].startswith("failed: AssertionError")
    assert all(not r.startswith("passed") for r in failing.details["results"])


def test_metrics_are_pass_at_k_by_hand(task: MbppTask) -> None:
    sampled = build_mbpp("m", {"eval": task.options.eval, "shots": task.options.shots,
                               "num_samples": 2, "temperature": 0.8, "ks": [2, 5]})  # fmt: skip
    examples = sampled.load_split("eval")
    texts = [(PROBLEMS[0]["code"], "x = 1\n"), (PROBLEMS[1]["code"],) * 2, (WRONG, WRONG)]
    predictions = sampled.score_batch(examples, [[GenerationResult(t)] for t in texts])
    assert [p.details["num_correct"] for p in predictions] == [1, 2, 0]
    metrics = sampled.metrics(predictions, n_resamples=200)
    assert set(metrics) == {"pass@1", "pass@2"}  # pass@5 needs n >= 5
    assert metrics["pass@1"].value == pytest.approx((0.5 + 1 + 0) / 3)
    assert metrics["pass@2"].value == pytest.approx((1 + 1 + 0) / 3)  # 1 - C(1,2)/C(2,2) = 1


def test_bad_options_and_records_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="temperature"):
        build_mbpp("mbpp", {"num_samples": 4})
    with pytest.raises(ConfigError, match=r"'mbpp'.*path"):
        build_mbpp("mbpp", {"path": "x.jsonl"})
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"task_id": 1, "text": "t", "code": "c"}])
    with pytest.raises(DataError, match="test_list"):
        build_mbpp("mbpp", {"eval": str(bad)}).validate()


def test_runs_through_the_matrix_with_pass_at_1_from_the_recorded_results(
    tmp_path: Path,
) -> None:
    problems, shots = write_files(tmp_path)
    mbpp = {
        "name": "mbpp",
        "eval": str(problems),
        "shots": str(shots),
        "num_samples": 2,
        "temperature": 0.8,
        "max_new_tokens": 24,
    }
    config = write_config(
        tmp_path / "c.yaml",
        tasks=[mbpp],
        modes=[
            {"name": "zero-shot", "type": "zero_shot"},
            {"name": "few-shot", "type": "few_shot"},
        ],
        profiles={"quick": {"latency_examples": 1, "bootstrap_resamples": 200}},
    )
    plan = load_plan(config)
    assert [spec.id for spec in plan.experiments] == ["tiny-llama_mbpp_zero-shot"]
    summary = run_plan(plan, tmp_path / "run")
    assert summary.ok, summary.errors

    folder = tmp_path / "run" / "experiments" / "tiny-llama_mbpp_zero-shot"
    results = json.loads((folder / "results.json").read_text())
    lines = (folder / "predictions.jsonl").read_text().splitlines()
    predictions = [json.loads(line) for line in lines]
    assert [p["id"] for p in predictions] == ["11", "12", "13"]
    for prediction in predictions:
        assert len(prediction["results"]) == prediction["num_samples"] == 2
        assert prediction["isolation"]
    by_hand = np.mean([np.mean([r == "passed" for r in p["results"]]) for p in predictions])
    pass_at_1 = results["metrics"]["pass@1"]
    assert pass_at_1["value"] == pytest.approx(by_hand)
    assert pass_at_1["n"] == results["n_eval"] == 3
    assert pass_at_1["ci_low"] <= pass_at_1["value"] <= pass_at_1["ci_high"]


def test_an_always_equal_answer_fails_the_asserts(task: MbppTask) -> None:
    examples = task.load_split("eval")
    cheat = (
        "class Equal:\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = object.__hash__\n"
        "def add(a, b):\n    return Equal()\n"
    )
    prediction = task.score(examples[0], [GenerationResult((cheat,))])
    assert not prediction.correct
    assert "no value outside" in prediction.details["results"][0]
