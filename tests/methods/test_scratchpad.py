"""The scratchpad mode through the matrix: prompt and budget changed, CONCLUSION scored, trace
validity recorded, and `base_mode` composition (fine-tuned + scratchpad) in the same plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import tests.methods.trace_backend as trace_backend
from benchlab.errors import ConfigError
from benchlab.requests import GenerationRequest, LoglikelihoodRequest
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.tasks.reasoning import DEFAULT_INSTRUCTION, ReasoningPrompt, reasoning_requests
from tests.methods import toy_modes

PAIRS = [(2, 2), (3, 4), (10, 20), (7, 8), (1, 1), (5, 0)]  # sums 4, 7, 30, 15, 2, 5
EVEN = [(a + b) % 2 == 0 for a, b in PAIRS]
MODES = [
    {"name": "zero", "type": "zero_shot"},
    {"name": "pad", "type": "scratchpad", "max_new_tokens": 300},
    {"name": "tuned-pad", "type": "scratchpad", "base_mode": "tuned"},
    {"name": "tuned", "type": "toy_train"},
    {"name": "pad-m", "type": "scratchpad", "consistency": {"samples": 2, "max_items": 3}},
]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scratchpad")
    rows = [{"question": f"What is {a} plus {b}?", "answer": f"#### {a + b}"} for a, b in PAIRS]
    (folder / "sums.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = {
        "name": "pad",
        "models": [{"name": "toy", "path": "toy", "kind": "causal", "backend": "toy-trace"}],
        "tasks": [
            {
                "name": "sums",
                "type": "gsm8k",
                "eval": str(folder / "sums.jsonl"),
                "num_fewshot": 0,
            }
        ],
        "modes": MODES,
        "profiles": {"quick": {"latency_examples": 1}},
        "default_profile": "quick",
    }
    path = folder / "pad.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    trace_backend.SEEN.clear()
    toy_modes.CALLS.clear()
    summary = run_plan(load_plan(path), folder / "run")
    assert summary.ok, summary.errors
    return folder / "run"


def _predictions(run: Path, mode: str) -> list[dict]:
    text = (run / f"experiments/toy_sums_{mode}/predictions.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def _results(run: Path, mode: str) -> dict:
    return json.loads((run / f"experiments/toy_sums_{mode}/results.json").read_text())


def test_the_prompt_asks_for_stages_with_the_modes_budget_and_no_stop(run: Path) -> None:
    plain = [r for r in trace_backend.SEEN if "<CONCLUSION>" not in r.prompt]
    padded = [r for r in trace_backend.SEEN if "<CONCLUSION>" in r.prompt]
    assert plain and padded
    for request in plain:
        assert request.max_new_tokens == 256 and "Q:" in request.stop
    for request in padded:
        question = request.prompt.split("\n\n")[0]
        assert request.prompt == question + "\n\n" + DEFAULT_INSTRUCTION
        assert question.startswith("Q: What is ") and question.endswith("\nA:")
        assert request.stop == ()
        assert request.max_new_tokens in (300, 512)  # pad's option, tuned-pad's default
    assert {r.max_new_tokens for r in padded} == {300, 512}
    sampled = [r for r in trace_backend.SEEN if r.num_samples == 2]
    assert len(sampled) == 3 and all(r in padded for r in sampled)  # consistency samples too


def test_consistency_samples_are_scored_on_their_conclusions(run: Path) -> None:
    text = (run / "experiments/toy_sums_pad-m/consistency.jsonl").read_text()
    items = [json.loads(line) for line in text.splitlines()]
    assert [item["answers"] for item in items] == [[str(a + b)] * 2 for a, b in PAIRS[:3]]
    assert all(item["greedy_correct"] and item["fully_consistent"] for item in items)
    assert all("<CONCLUSION>" in t for item in items for t in item["texts"])  # whole texts kept


def test_the_conclusion_is_scored_and_the_trace_recorded(run: Path) -> None:
    for mode in ("pad", "tuned-pad"):
        predictions = _predictions(run, mode)
        assert [p["prediction"] for p in predictions] == [str(a + b) for a, b in PAIRS]
        assert all(p["correct"] for p in predictions)
        # the whole text's last number is the trailing "2": the CONCLUSION's is the sum
        assert [p["flexible_answer"].rstrip(".") for p in predictions] == [
            str(a + b) for a, b in PAIRS
        ]
        assert [p["generation"] for p in predictions] == [
            f"The answer is {a + b}." for a, b in PAIRS
        ]
        for p, (a, b), even in zip(predictions, PAIRS, EVEN, strict=True):
            assert p["trace"] == trace_backend.toy_answer(f"What is {a} plus {b}? <CONCLUSION>")
            assert p["trace_valid"] is even
            assert p["trace_problem"] == (None if even else "missing CAPTION")
            assert p["extraction"] == "conclusion"
            words = {"SUMMARY": 2, "REASONING": 10, "CONCLUSION": 4}
            assert p["trace_stage_words"] == ({**words, "CAPTION": 5} if even else words)


def test_metrics_add_the_well_formed_share_after_the_tasks_own(run: Path) -> None:
    metrics = _results(run, "pad")["metrics"]
    assert next(iter(metrics)) == "exact_match_strict"
    assert metrics["exact_match_strict"]["value"] == 1.0
    share = metrics["trace_well_formed"]
    assert share["value"] == pytest.approx(sum(EVEN) / len(PAIRS)) and share["n"] == len(PAIRS)
    assert share["ci_low"] <= share["value"] <= share["ci_high"]
    assert metrics["trace_words/CAPTION"]["n"] == sum(EVEN)
    assert metrics["trace_words/REASONING"]["value"] == 10.0


def test_modes_without_the_hook_record_exactly_as_before(run: Path) -> None:
    for mode in ("zero", "tuned"):
        predictions = _predictions(run, mode)
        assert list(predictions[0]) == [
            "id",
            "input",
            "gold",
            "prediction",
            "correct",
            "generation",
            "strict_answer",
            "strict_rule",
            "flexible_answer",
            "correct_strict",
            "correct_flexible",
            "prompt_sha256",
        ]
        assert "trace_well_formed" not in _results(run, mode)["metrics"]


def test_base_mode_composition_trains_once_and_evaluates_the_tuned_model(run: Path) -> None:
    assert [c for c in toy_modes.CALLS if c[0] == "train"] == [("train", "toy_sums_tuned")]
    fingerprint = {m: _results(run, m)["provenance"]["model_fingerprint"] for m in MODES_BY}
    assert fingerprint["tuned-pad"] == fingerprint["tuned"] != fingerprint["pad"]
    assert fingerprint["pad"] == fingerprint["zero"]


MODES_BY = [m["name"] for m in MODES]


def test_a_task_that_never_generates_is_refused() -> None:
    with pytest.raises(
        ConfigError, match="task 'sst2' asks LoglikelihoodRequest and no generation"
    ):
        reasoning_requests([LoglikelihoodRequest("a", " b")], ReasoningPrompt(), task="sst2")
    mixed = [LoglikelihoodRequest("a", " b"), GenerationRequest("p", 8, ("\n",))]
    out = reasoning_requests(mixed, ReasoningPrompt("Think.", 4, " "), task="t")
    assert out[0] is mixed[0]
    assert out[1] == GenerationRequest("p Think.", 8, ())
