"""evaluate() plans across the task when a backend asks, and records what each prompt showed."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchlab.requests import LoglikelihoodRequest, LoglikelihoodResult
from benchlab.tasks.base import EvalContext
from benchlab.tasks.evaluation import evaluate, prompt_hash
from benchlab.tasks.registry import build_task


def _mmlu(root: Path) -> Any:
    for split, n in (("test", 5), ("dev", 6)):
        (root / split).mkdir(parents=True)
        for subject in ("anatomy", "virology"):
            with (root / split / f"{subject}_{split}.csv").open("w", newline="") as handle:
                writer = csv.writer(handle)
                for i in range(n):
                    writer.writerow([f"{subject} {split} q{i}?", "w", "x", "y", "z", "ABCD"[i % 4]])
    return build_task("mmlu", "mmlu", {"eval": str(root)})


class CountingBackend:
    """Answers every choice with its position; counts calls; may plan task-wide."""

    def __init__(self, plan_window: int = 0, truncated: Sequence[Any] = ()) -> None:
        if plan_window:
            self.plan_window = plan_window
        self.truncated_requests = set(truncated)
        self.calls: list[int] = []

    def answer(self, requests: Sequence[Any]) -> list[Any]:
        self.calls.append(len(requests))
        return [LoglikelihoodResult(-float(i % 4), False, 1) for i in range(len(requests))]


def test_a_planning_backend_gets_the_whole_task_in_one_call(tmp_path: Path) -> None:
    task = _mmlu(tmp_path)
    examples = task.load_split("eval")
    steps: list[int] = []
    planner, chunked = CountingBackend(plan_window=4096), CountingBackend()
    context = EvalContext(chunk_size=3, advance=steps.append)
    planned = evaluate(task, planner, examples, context)
    assert planner.calls == [4 * len(examples)]
    assert steps == [3, 3, 3, 1]  # progress still moves chunk by chunk
    plain = evaluate(task, chunked, examples, EvalContext(chunk_size=3))
    assert chunked.calls == [12, 12, 12, 4]
    assert [p.to_json() for p in planned] == [p.to_json() for p in plain]


def test_predictions_record_the_shots_a_hash_of_the_prompt_and_truncation(tmp_path: Path) -> None:
    task = _mmlu(tmp_path)
    examples = task.load_split("eval")
    first = task.requests_for(examples[0], [], EvalContext())
    predictions = evaluate(task, CountingBackend(truncated=first[:1]), examples, EvalContext())
    dev = task.load_split("train")
    for example, prediction in zip(examples, predictions, strict=True):
        record = prediction.to_json()
        same_subject = [e.id for e in dev if e.group == example.group][:5]
        assert record["fixed_shots"] == same_subject  # lm-eval's first_n, the item's subject
        prompt = task.prompt(example)
        assert record["prompt_sha256"] == hashlib.sha256(prompt.encode()).hexdigest()
        assert record.get("truncated", False) == (example is examples[0])
    assert prompt_hash([LoglikelihoodRequest("a", " b")]) != prompt_hash(
        [LoglikelihoodRequest("a ", "b")]
    )


def test_mmlu_defaults_to_first_n_for_a_few_shot_mode(tmp_path: Path) -> None:
    task = _mmlu(tmp_path)
    assert task.fewshot_rule == "first_n"
    arc = build_task("arc_challenge", "arc", {"eval": str(tmp_path / "x.jsonl")})
    assert arc.fewshot_rule == "random"
