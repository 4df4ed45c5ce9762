"""Prompt and answer sources: JSONL, JSON arrays matched on question text, tasks, generation."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchlab.backends.base import Backend
from benchlab.errors import DataError
from benchlab.judge.answers import generate_answers, load_answers_file, load_prompt_file
from benchlab.judge.run import JudgePrompt
from benchlab.requests import GenerationRequest, GenerationResult, LoglikelihoodRequest
from benchlab.tasks.base import Example
from benchlab.tasks.judge_prompts import prompts_from_task, task_prompt

SHARED_DATA = Path(
    os.environ.get("BENCHLAB_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)
ALPACA = SHARED_DATA / "alpaca_eval"


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_prompt_file_with_ids_references_and_limit(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "p.jsonl",
        [{"id": 7, "prompt": "a?", "gold": 1}, {"id": "x", "prompt": "b?", "gold": "2"}],
    )
    prompts = load_prompt_file(path, reference_field="gold")
    assert prompts == [JudgePrompt("7", "a?", "1"), JudgePrompt("x", "b?", "2")]
    assert len(load_prompt_file(path, limit=1)) == 1
    no_ids = _jsonl(tmp_path / "n.jsonl", [{"prompt": "a"}, {"prompt": "b"}])
    assert [p.id for p in load_prompt_file(no_ids)] == ["0", "1"]


def test_prompt_file_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = _jsonl(tmp_path / "bad.jsonl", [{"id": 1, "prompt": "a"}, {"id": 2, "text": "b"}])
    with pytest.raises(DataError, match=r"bad\.jsonl:2: missing field 'prompt'"):
        load_prompt_file(bad)
    dup = _jsonl(tmp_path / "dup.jsonl", [{"id": 1, "prompt": "a"}, {"id": 1, "prompt": "b"}])
    with pytest.raises(DataError, match="duplicate prompt ids"):
        load_prompt_file(dup)
    (tmp_path / "broken.jsonl").write_text('{"id": 1}\n{oops\n')
    with pytest.raises(DataError, match=r"broken\.jsonl:2"):
        load_prompt_file(tmp_path / "broken.jsonl")


def test_answers_by_id_and_by_question(tmp_path: Path) -> None:
    prompts = [JudgePrompt("a", "What is up?"), JudgePrompt("b", "Why?")]
    by_id = _jsonl(tmp_path / "a.jsonl", [{"id": "b", "output": "B!"}, {"id": "a", "output": "A!"}])
    assert load_answers_file(by_id, prompts) == {"a": "A!", "b": "B!"}
    array = tmp_path / "outputs.json"
    array.write_text(
        json.dumps(
            [
                {"instruction": "Why?", "output": "because", "generator": "gpt4"},
                {"instruction": "What is up? ", "output": "the sky", "generator": "gpt4"},
            ]
        )
    )
    answers = load_answers_file(array, prompts, match_on="question")
    assert answers == {"a": "the sky", "b": "because"}
    with pytest.raises(DataError, match=r"no answer for 1 of 3 prompts.*'c'"):
        load_answers_file(by_id, [*prompts, JudgePrompt("c", "?")])


@pytest.mark.skipif(not ALPACA.exists(), reason="AlpacaEval copy not available")
def test_real_alpaca_eval_outputs_match_on_instruction() -> None:
    reference = ALPACA / "results" / "gpt4_1106_preview" / "model_outputs.json"
    rows = json.loads(reference.read_text(encoding="utf-8"))
    prompts = [JudgePrompt(str(i), row["instruction"]) for i, row in enumerate(rows[:20])]
    answers = load_answers_file(reference, prompts, match_on="question")
    assert len(answers) == 20
    assert answers["0"] == rows[0]["output"]
    candidate = load_answers_file(ALPACA / "example" / "outputs.json", prompts, match_on="question")
    assert candidate.keys() == answers.keys()


class _FakeTask:
    def load_split(self, split: str) -> list[Example]:
        assert split == "eval"
        return [Example("q1", {"q": "2+2?"}, 4), Example("q2", {"q": "3+3?"}, 6)]

    def requests_for(self, example, demonstrations, context):
        return [LoglikelihoodRequest(context=f"Q: {example.data['q']}\nA:", continuation=" 4")]


def test_prompts_from_task(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def build(task_type, name, options):
        seen.update(task_type=task_type, name=name, options=options)
        return _FakeTask()

    monkeypatch.setattr("benchlab.tasks.registry.build_task", build)
    prompts = prompts_from_task("gsm8k", "gsm", {"path": "x"}, limit=1)
    assert prompts == [JudgePrompt("gsm/q1", "Q: 2+2?\nA:", "4")]
    assert seen == {"task_type": "gsm8k", "name": "gsm", "options": {"path": "x"}}


def _mc_file(tmp_path: Path) -> Path:
    return _jsonl(
        tmp_path / "mc.jsonl",
        [
            {
                "id": "q1",
                "question": "Which is a fruit?",
                "choices": ["stone", "apple"],
                "answer": 1,
            },
            {"id": "q2", "question": "Sky colour?", "choices": ["blue", "red"], "answer": "A"},
        ],
    )


def test_multiple_choice_prompts_list_the_choices(tmp_path: Path) -> None:
    # The judge sees the bare question with lettered choices whatever the task's prompt style,
    # and the reference names the gold letter and its text.
    for style in ("question_answer", "letters"):
        options = {"eval": str(_mc_file(tmp_path)), "prompt_style": style}
        prompts = prompts_from_task("multiple_choice", "mc", options)
        assert prompts[0] == JudgePrompt(
            "mc/q1", "Question: Which is a fruit?\nA. stone\nB. apple", "B. apple"
        )
        assert prompts[1].reference == "A. blue"


def test_classification_prompts_list_the_labels(tmp_path: Path) -> None:
    data = _jsonl(tmp_path / "c.jsonl", [{"text": "great film", "label": "pos"}])
    options = {"eval": str(data), "label_names": ["neg", "pos"], "template": "{text}\nLabel:"}
    (prompt,) = prompts_from_task("classification", "sst", options)
    assert prompt == JudgePrompt("sst/eval-0", "great film\nOptions: neg | pos\nLabel:", "pos")


class _HookTask(_FakeTask):
    name = "hooked"

    def judge_prompt(self, example: Example) -> tuple[str, str | None]:
        return f"Solve {example.data['q']}", None


class _GenerationTask(_FakeTask):
    name = "gen"

    def requests_for(self, example, demonstrations, context):
        return [GenerationRequest(prompt=f"Problem: {example.data['q']}\nSolution:")]


def test_task_prompt_prefers_the_task_hook_then_generation_prompts() -> None:
    example = Example("q1", {"q": "2+2?"}, 4)
    assert task_prompt(_HookTask(), example) == ("Solve 2+2?", None)
    assert task_prompt(_GenerationTask(), example) == ("Problem: 2+2?\nSolution:", "4")


class _UpperBackend(Backend):
    batch_size = 2

    def __init__(self) -> None:
        self.batches: list[int] = []

    @property
    def fingerprint(self) -> str:
        return "upper"

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        self.batches.append(len(requests))
        assert all(r.chat and r.temperature == 0.0 and r.max_new_tokens == 9 for r in requests)
        return [GenerationResult((r.prompt.upper(),)) for r in requests]


def test_generate_answers_batches_through_backend() -> None:
    backend = _UpperBackend()
    prompts = [JudgePrompt(str(i), f"q{i}") for i in range(5)]
    answers = generate_answers(backend, prompts, max_new_tokens=9)
    assert answers == {str(i): f"Q{i}" for i in range(5)}
    assert backend.batches == [2, 2, 1]


@pytest.mark.skipif(not ALPACA.exists(), reason="AlpacaEval copy not available")
def test_alpaca_eval_splits_by_its_dataset_field() -> None:
    from collections import Counter

    from benchlab.judge.answers import read_prompt_rows

    path = ALPACA / "results" / "gpt4_1106_preview" / "model_outputs.json"
    expected = Counter(row["dataset"] for row in json.loads(path.read_text(encoding="utf-8")))
    rows = read_prompt_rows(path, question_field="instruction", category_field="dataset")
    assert Counter(row.category for row in rows) == expected and len(expected) == 5
    assert all(len(row.turns) == 1 for row in rows)
