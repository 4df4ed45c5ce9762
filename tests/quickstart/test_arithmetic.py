"""The generated arithmetic task: sums in GSM8K's format that the GSM8K task checks unchanged."""

from __future__ import annotations

import json
from pathlib import Path

from benchlab.quickstart.arithmetic import write_arithmetic
from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.requests import GenerationResult
from benchlab.tasks.math import build_gsm8k


def test_rows_are_correct_sums_and_generation_is_seeded(tmp_path: Path) -> None:
    path = write_arithmetic("train", tmp_path / "a.jsonl", size=50, seed=0)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    for row in rows:
        a, b = map(int, row["question"].removesuffix("=").split("+"))
        assert row["answer"] == f"{a}+{b}={a + b} #### {a + b}" and 0 <= a + b <= 18
    again = write_arithmetic("train", tmp_path / "b.jsonl", size=50, seed=0)
    assert again.read_text() == path.read_text()
    assert write_arithmetic("eval", tmp_path / "c.jsonl", size=50, seed=0).read_text() != (
        path.read_text()
    )


def test_builtin_names_resolve_and_gsm8k_scores_them() -> None:
    train = resolve_builtin_data("builtin:arithmetic/train.jsonl")
    evaluation = resolve_builtin_data("builtin:arithmetic/eval.jsonl")
    assert len(train.read_text().splitlines()) == 400
    task = build_gsm8k("arithmetic", {"train": str(train), "eval": str(evaluation),
                                      "prompt": "sampled", "num_fewshot": 0})  # fmt: skip
    example = task.load_split("eval")[0]
    a, b = map(int, example.data["question"].removesuffix("=").split("+"))
    right = task.score(example, [GenerationResult((f" {a}+{b}={a + b} #### {a + b}",))])
    wrong = task.score(example, [GenerationResult((f" #### {a + b + 1}",))])
    assert right.correct and not wrong.correct
    pair = task.training_pairs([example])[0]
    assert pair.prompt == f"Question: {a}+{b}=\nAnswer:"
