"""The consistency pass end to end on a stub sampler whose answers are known."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchlab.config.plan import ExperimentSpec
from benchlab.config.schema import ModelSpec, ModeSpec, ProfileSpec, TaskSpec
from benchlab.errors import ConfigError
from benchlab.progress import SilentProgress
from benchlab.requests import GenerationRequest, GenerationResult, LoglikelihoodRequest
from benchlab.runner.passes import PassContext, build_pass, passes_for
from benchlab.scoring.pass_at_k import pass_at_k
from benchlab.stats.intervals import wilson_interval
from benchlab.tasks.base import EvalContext
from benchlab.tasks.math import build_gsm8k
from benchlab.tasks.sampling import SamplingSettings, item_seed, sample_examples

PROBLEMS = {"1+1=": "2", "2+2=": "4", "3+3=": "6"}
# question -> (greedy text, the four sampled texts): answers chosen for easy hand computation
SCRIPT = {
    "1+1=": (" #### 2", [" #### 2", " #### 2", " #### 3", " no answer"]),
    "2+2=": (" #### 5", [" #### 4", " #### 4", " #### 4", " #### 4"]),
    "3+3=": (" nothing", [" #### 7", " #### 8", " x", " #### 6"]),
}


class ScriptedSampler:
    """Greedy and sampled answers from SCRIPT; records every generation request it gets."""

    def __init__(self) -> None:
        self.requests: list[GenerationRequest] = []

    def answer(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        out = []
        for request in requests:
            self.requests.append(request)
            question = request.prompt.split("Question: ")[-1].split("\n")[0]
            greedy, sampled = SCRIPT[question]
            if request.num_samples == 1 and request.temperature == 0:
                out.append(GenerationResult((greedy,)))
            else:
                out.append(GenerationResult(tuple(sampled[: request.num_samples])))
        return out


class SeededSampler:
    """Sample i of a request is a pure function of (prompt, seed + i): like a real sampler."""

    def answer(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        return [
            GenerationResult(
                tuple(
                    f" #### {random.Random(f'{r.prompt}|{r.seed + i}').randint(0, 9)}"
                    for i in range(r.num_samples)
                )
            )
            for r in requests
        ]


@pytest.fixture
def task(tmp_path: Path):
    path = tmp_path / "sums.jsonl"
    rows = [{"question": q, "answer": f"#### {a}"} for q, a in PROBLEMS.items()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return build_gsm8k(
        "sums", {"eval": str(path), "prompt": "sampled", "num_fewshot": 0, "max_new_tokens": 8}
    )


def _spec(consistency: dict | None, seed: int = 3) -> ExperimentSpec:
    extra = {} if consistency is None else {"consistency": consistency}
    return ExperimentSpec(
        id="m_sums_sft",
        model=ModelSpec(name="m", path="x", kind="causal"),
        task=TaskSpec(name="sums", type="gsm8k"),
        mode=ModeSpec(name="sft", **extra),
        seed=seed,
        profile_name="quick",
        profile=ProfileSpec(bootstrap_resamples=200),
    )


def _run(task, backend, folder: Path, spec: ExperimentSpec):
    context = PassContext(
        spec, folder, task, backend, task.load_split("eval"), EvalContext(seed=spec.seed),
        SilentProgress(), lambda line: None,
    )  # fmt: skip
    for name in passes_for(spec):
        if name == "latency":
            continue
        step = build_pass(name)
        context.outputs[name] = step.run(context)
    return context.outputs["consistency"], step.summary(context.outputs["consistency"])


def test_passes_for_reads_the_mode_block_and_method_options_exclude_it() -> None:
    assert passes_for(_spec(None)) == ("evaluate", "latency")
    spec = _spec({"samples": 4, "temperature": 0.7})
    assert passes_for(spec) == ("evaluate", "latency", "consistency")
    assert spec.mode.options == {} and spec.mode.consistency.top_p == 1.0
    with pytest.raises(ValueError, match="samples"):
        ModeSpec(name="sft", consistency={"samples": 1})


def test_every_statistic_equals_a_hand_computation(task, tmp_path: Path) -> None:
    backend = ScriptedSampler()
    output, summary = _run(task, backend, tmp_path, _spec({"samples": 4, "temperature": 0.8}))
    items = {i.item_id: i for i in output.items}
    a, b, c = items["eval-0"], items["eval-1"], items["eval-2"]
    # eval-0: 2, 2, 3, invalid; greedy 2 (right)
    assert a.answers == ("2", "2", "3", "[invalid]") and a.n_unique == 3
    assert a.majority == "2" and a.agreement == 0.5 and a.greedy_correct is True
    assert a.entropy == pytest.approx(1.5)  # -(.5 log .5 + 2 * .25 log .25)
    assert a.sample_correct == (True, True, False, False)
    # eval-1: all 4 (right) but greedy 5 (wrong)
    assert b.agreement == 1.0 and b.entropy == 0 and b.greedy_correct is False
    assert b.majority_correct and b.fully_consistent
    # eval-2: 7, 8, invalid, 6: a three-way tie among valid answers; greedy invalid
    assert c.n_unique == 4 and c.agreement == 0.25 and c.entropy == pytest.approx(2.0)
    assert c.greedy == "[invalid]" and c.greedy_correct is False
    assert c.majority_correct == (c.majority == "6")
    assert summary["mean_agreement"]["value"] == pytest.approx((0.5 + 1 + 0.25) / 3)
    assert summary["fully_consistent"]["value"] == pytest.approx(1 / 3)
    interval = wilson_interval(1, 3)
    assert summary["fully_consistent"]["interval"]["low"] == pytest.approx(interval.low)
    assert summary["fully_consistent"]["interval"]["high"] == pytest.approx(interval.high)
    assert summary["greedy_accuracy"]["value"] == pytest.approx(1 / 3)
    assert summary["mean_sample_accuracy"]["value"] == pytest.approx((2 / 4 + 1 + 1 / 4) / 3)
    expected_pass2 = (pass_at_k(4, 2, 2) + pass_at_k(4, 4, 2) + pass_at_k(4, 1, 2)) / 3
    assert summary["pass_at_k"]["2"]["value"] == pytest.approx(expected_pass2)
    assert summary["mean_entropy"] == pytest.approx((1.5 + 0 + 2) / 3)
    assert summary["seconds"] >= 0
    assert summary["settings"] == {"samples": 4, "temperature": 0.8, "top_p": 1.0,
                                   "max_items": None, "judge": None}  # fmt: skip
    # The requests: one per item, M samples, the item's own seed, the task's prompt and stop
    sampled = [r for r in backend.requests if r.num_samples == 4]
    assert [r.seed for r in sampled] == [item_seed(3, f"eval-{i}") for i in range(3)]
    assert all(r.temperature == 0.8 and r.stop == task.stop for r in sampled)
    lines = [json.loads(x) for x in (tmp_path / "consistency.jsonl").read_text().splitlines()]
    assert [x["item_id"] for x in lines] == ["eval-0", "eval-1", "eval-2"]
    assert lines[0]["texts"] == SCRIPT["1+1="][1] and lines[0]["seed"] == sampled[0].seed
    assert not any(isinstance(v, float) and math.isnan(v) for x in lines for v in x.values())


def test_reruns_and_reorderings_give_identical_samples(task) -> None:
    examples = task.load_split("eval")
    settings = SamplingSettings(5, 0.8, 1.0, seed=11)
    first = sample_examples(task, SeededSampler(), examples, settings)
    again = sample_examples(task, SeededSampler(), examples, settings, chunk_size=1)
    backwards = sample_examples(task, SeededSampler(), examples[::-1], settings)
    assert first == again == backwards[::-1]
    other_seed = sample_examples(task, SeededSampler(), examples, SamplingSettings(5, 0.8, 1.0, 12))
    assert other_seed != first


def test_a_task_without_generation_requests_is_refused(task) -> None:
    class Loglik:
        name = "mc"

        def requests_for(self, example, demonstrations, context):
            return [LoglikelihoodRequest("a", "b")]

    with pytest.raises(ConfigError, match="GenerationRequest"):
        sample_examples(Loglik(), SeededSampler(), task.load_split("eval"),
                        SamplingSettings(2, 0.8))  # fmt: skip


def test_judge_ties_by_agreement_from_a_judge_run(task, tmp_path: Path) -> None:
    judge = tmp_path / "predictions.jsonl"
    lines = [
        {"id": "eval-0", "candidate": "m", "outcome": "tie"},  # agreement 0.5
        {"id": "eval-1", "candidate": "m", "outcome": "win"},  # agreement 1.0
        {"id": "eval-2", "candidate": "m", "outcome": "tie"},  # agreement 0.25
        {"id": "eval-2", "candidate": "other", "outcome": "loss"},
    ]
    judge.write_text("".join(json.dumps(line) + "\n" for line in lines))
    block = {"samples": 4, "temperature": 0.8,
             "judge": {"file": str(judge), "candidate": "m", "threshold": 0.75}}  # fmt: skip
    _, summary = _run(task, ScriptedSampler(), tmp_path, _spec(block))
    ties = summary["judge_ties"]
    assert (ties["low_n"], ties["low_ties"], ties["high_n"], ties["high_ties"]) == (2, 2, 1, 0)
    assert ties["low_share"]["value"] == 1.0 and ties["high_share"]["value"] == 0.0
    assert ties["p_value"] == pytest.approx(1 / 3)  # Fisher's exact test on [[2, 0], [0, 1]]
