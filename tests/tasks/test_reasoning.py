"""The reasoning hook on vision tasks: image and chat kept, each copy scored on its CONCLUSION."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.requests import GenerationResult
from benchlab.tasks.base import EvalContext
from benchlab.tasks.evaluation import evaluate
from benchlab.tasks.reasoning import ReasoningPrompt
from benchlab.tasks.registry import build_task
from tests.tasks.mmbench_fixtures import RIGHT_TEXT, rows, write_tsv

PAD = ReasoningPrompt("Use the stages.", 64)


class _Replies:
    """A fake VLM: answers each prompt with a function of its text; keeps the requests."""

    def __init__(self, reply: Any) -> None:
        self.reply, self.seen = reply, []

    def answer(self, requests: Sequence[Any]) -> list[Any]:
        self.seen.extend(requests)
        return [GenerationResult((self.reply(r.prompt),)) for r in requests]


def _right_letter(prompt: str) -> str:
    question = re.search(r"Question: (.*)\n", prompt).group(1)
    index = next(int(row[0]) for row in rows() if row[1] == question)
    lines = re.findall(r"^([A-D])\. (.*)$", prompt, flags=re.M)
    return next(letter for letter, text in lines if text == RIGHT_TEXT[index])


def _trace(conclusion: str, reasoning: str = "Option A looks wrong.") -> str:
    return (
        f"<SUMMARY>Look.</SUMMARY><CAPTION>A picture.</CAPTION><REASONING>{reasoning}"
        f"</REASONING><CONCLUSION>{conclusion}</CONCLUSION>"
    )


def test_mmbench_copies_are_scored_on_their_conclusions(tmp_path: Path) -> None:
    task = build_task("mmbench", "mm", {"path": str(write_tsv(tmp_path / "mm.tsv"))})
    examples = task.load_split("eval")
    fake = _Replies(lambda p: _trace(_right_letter(p)))
    predictions = evaluate(task, fake, examples, EvalContext(reasoning=PAD))
    assert task.metrics(predictions)["accuracy"].value == 1.0
    assert all(r.media and r.chat and r.prompt.endswith("\n\nUse the stages.") for r in fake.seen)
    assert all(r.max_new_tokens >= 64 and r.stop == () for r in fake.seen)
    assert all(
        p.details["trace_valid"] and p.details["extraction"] == "conclusion" for p in predictions
    )
    # without the hook the same text's first letter, "A" in the reasoning, would be read instead
    plain = evaluate(task, _Replies(lambda p: _trace(_right_letter(p))), examples, EvalContext())
    assert task.metrics(plain)["accuracy"].value < 1.0
    assert "trace_valid" not in plain[0].details


def test_caption_is_the_conclusion_and_a_truncated_trace_is_empty(benchlab_cache: Path) -> None:
    task = build_task(
        "caption",
        "shapes",
        {
            "references": str(resolve_builtin_data("builtin:shapes-captions/eval.json")),
            "images": str(resolve_builtin_data("builtin:shapes-images/eval")),
            "similarity_model": None,
            "meteor": False,
        },
    )
    examples = task.load_split("eval")[:4]
    replies = iter([_trace(" a red circle "), _trace("x")[:-13], _trace("a blue square"), "hi"])
    fake = _Replies(lambda p: next(replies))
    predictions = evaluate(task, fake, examples, EvalContext(reasoning=PAD))
    assert [p.prediction for p in predictions] == ["a red circle", "", "a blue square", ""]
    assert [p.details["trace_problem"] for p in predictions] == [
        None,
        "unclosed CONCLUSION",
        None,
        "missing SUMMARY",
    ]


def test_likelihood_tasks_are_refused_by_name(tmp_path: Path) -> None:
    from benchlab.errors import ConfigError

    for split in ("test", "dev"):
        (tmp_path / split).mkdir()
        (tmp_path / split / f"a_{split}.csv").write_text("q?,w,x,y,z,A\n")
    task = build_task("mmlu", "mm", {"eval": str(tmp_path), "num_fewshot": 0})
    with pytest.raises(ConfigError, match="task 'mm' asks LoglikelihoodRequest"):
        evaluate(task, _Replies(str), task.load_split("eval"), EvalContext(reasoning=PAD))
