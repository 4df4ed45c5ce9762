"""Multiple-choice tasks: the local formats, lm-eval's prompts, acc/acc_norm, generation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from benchlab.errors import DataError
from benchlab.requests import GenerationResult, LoglikelihoodResult
from benchlab.tasks.base import EvalContext
from benchlab.tasks.registry import build_task
from tests.helpers import write_jsonl

ADAPTER_ROW = {
    "instruction": "Please choose the correct answer to the question: Which gas do plants take "
    "in? Think: Answer1 is not it.\n\nAnswer1: oxygen Answer2: carbon dioxide Answer3: "
    "helium\n\nAnswer format: answer1/answer2/answer3",
    "input": "",
    "output": "the correct answer is answer2",
    "answer": "answer2",
}


def _mmlu_folder(root: Path) -> Path:
    for split, n in (("test", 3), ("dev", 5)):
        (root / split).mkdir(parents=True)
        for subject in ("anatomy", "virology"):
            with (root / split / f"{subject}_{split}.csv").open("w", newline="") as handle:
                writer = csv.writer(handle)
                for i in range(n):
                    writer.writerow(
                        [f"{subject} {split} q{i}, with comma?", "0", "1", "2", "3", "ABCD"[i % 4]]
                    )
    return root


def test_llm_adapters_format(tmp_path: Path) -> None:
    path = tmp_path / "arc.json"
    path.write_text(json.dumps([ADAPTER_ROW]))
    task = build_task("arc_challenge", "arc", {"eval": str(path)})
    [example] = task.load_split("eval")
    assert example.data["question"] == "Which gas do plants take in? Think: Answer1 is not it."
    assert example.data["choices"] == ["oxygen", "carbon dioxide", "helium"]
    assert example.gold == 1
    requests = task.requests_for(example, [], EvalContext())
    # lm-eval's arc_challenge: "Question: {{question}}\nAnswer:" + " " + choice text
    assert requests[1].context == f"Question: {example.data['question']}\nAnswer:"
    assert [r.continuation for r in requests] == [" oxygen", " carbon dioxide", " helium"]


def test_llmfoundry_and_custom_formats(tmp_path: Path) -> None:
    foundry = write_jsonl(
        tmp_path / "obqa.jsonl",
        [{"query": "Predators eat", "choices": ["lions", "humans", "bunnies", "grass"], "gold": 2}],
    )
    task = build_task("openbookqa", "obqa", {"eval": str(foundry)})
    [example] = task.load_split("eval")
    assert example.gold == 2
    assert task.requests_for(example, [], EvalContext())[0].context == "Predators eat"

    custom = tmp_path / "mine.csv"
    custom.write_text("id,question,A,B,C,answer,subject\nq1,2+2?,3,4,5,B,math\n")
    task = build_task("multiple_choice", "mine", {"eval": str(custom)})
    [example] = task.load_split("eval")
    assert (example.id, example.gold, example.group) == ("q1", 1, "math")
    assert example.data["choices"] == ["3", "4", "5"]

    bad = write_jsonl(tmp_path / "bad.jsonl", [{"question": "x", "choices": ["a"], "answer": "Q"}])
    with pytest.raises(DataError, match="answer 'Q'"):
        build_task("multiple_choice", "bad", {"eval": str(bad)}).load_split("eval")


def test_mmlu_folder_prompt_matches_lm_eval(tmp_path: Path) -> None:
    root = _mmlu_folder(tmp_path / "mmlu")
    task = build_task("mmlu", "mmlu", {"eval": str(root)})
    examples = task.load_split("eval")
    assert len(examples) == 6 and examples[0].group == "anatomy"
    requests = task.requests_for(examples[0], [], EvalContext())
    expected_shots = "".join(
        f"anatomy dev q{i}, with comma?\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer: {'ABCD'[i % 4]}\n\n"
        for i in range(5)
    )
    assert requests[0].context == (
        "The following are multiple choice questions (with answers) about anatomy.\n\n"
        + expected_shots
        + "anatomy test q0, with comma?\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer:"
    )
    assert [r.continuation for r in requests] == [" A", " B", " C", " D"]


def test_fixed_shots_never_include_the_evaluated_item(tmp_path: Path) -> None:
    rows = [
        {"id": f"q{i}", "question": f"question {i}", "choices": ["x", "y"], "answer": i % 2}
        for i in range(4)
    ]
    path = write_jsonl(tmp_path / "pool.jsonl", rows)
    task = build_task(
        "multiple_choice", "pool", {"eval": str(path), "train": str(path), "num_fewshot": 3}
    )
    for example in task.load_split("eval"):
        shots = task.fixed_shots(example)
        assert len(shots) == 3 and example.id not in {s.id for s in shots}
        prompt = task.requests_for(example, [], EvalContext())[0].context
        assert prompt.count(example.data["question"]) == 1


def _ll(*values: float) -> list[LoglikelihoodResult]:
    return [LoglikelihoodResult(v, False, 1) for v in values]


def test_acc_and_acc_norm_as_lm_eval_defines_them(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "q.jsonl",
        [{"question": "q", "choices": ["a", "much longer answer"], "answer": 1}],
    )
    task = build_task(
        "multiple_choice", "q", {"eval": str(path), "prompt_style": "question_answer"}
    )
    [example] = task.load_split("eval")
    # acc: argmax of sums -> "a" (-2 > -9); acc_norm: -2/1 < -9/18 -> the long answer
    prediction = task.score(example, _ll(-2.0, -9.0))
    assert prediction.correct is False
    assert prediction.details["correct_norm"] is True
    assert prediction.details["logprobs"] == [-2.0, -9.0]
    metrics = task.metrics([prediction], n_resamples=100)
    assert metrics["acc"].value == 0.0 and metrics["acc_norm"].value == 1.0


def test_generation_scoring_counts_missing_answers(tmp_path: Path) -> None:
    rows = [
        {
            "question": f"q{i}",
            "choices": ["a", "b", "c", "d"],
            "answer": "B",
            "subject": "s1" if i < 2 else "s2",
        }
        for i in range(4)
    ]
    path = write_jsonl(tmp_path / "q.jsonl", rows)
    task = build_task(
        "multiple_choice", "q", {"eval": str(path), "scoring": "generate", "chain_of_thought": True}
    )
    examples = task.load_split("eval")
    request = task.requests_for(examples[0], [], EvalContext())[0]
    assert request.prompt.endswith("D. d\nAnswer: Let's think step by step.")
    outputs = ["So the answer is B.", "(C)", "no idea", "Answer: B"]
    predictions = [
        task.score(e, [GenerationResult((text,))])
        for e, text in zip(examples, outputs, strict=True)
    ]
    assert [p.prediction for p in predictions] == ["B", "C", None, "B"]
    assert [p.details["extraction_rule"] for p in predictions] == [
        "answer_is",
        "parenthesized",
        None,
        "answer_colon",
    ]
    metrics = task.metrics(predictions, n_resamples=100)
    assert metrics["acc"].value == 0.5
    assert metrics["no_answer_count"].value == 1
    rules = {k: m.value for k, m in metrics.items() if k.startswith("extraction_rule/")}
    assert rules == {
        "extraction_rule/answer_colon": 1,
        "extraction_rule/answer_is": 1,
        "extraction_rule/parenthesized": 1,
    }
    assert {metrics[k].n for k in rules} == {4}
    assert metrics["acc/s1"].value == 0.5 and metrics["acc/s2"].value == 0.5
    assert metrics["pred_share/C"].value == 0.25 and metrics["gold_share/B"].value == 1.0
    assert "acc_clustered" in metrics


def test_training_pairs_end_with_the_answer(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "q.jsonl",
        [{"question": "q", "choices": ["a", "b"], "answer": 1, "rationale": "Because b."}],
    )
    options = {"eval": str(path), "train": str(path), "scoring": "generate"}
    task = build_task("multiple_choice", "q", {**options, "chain_of_thought": True})
    [pair] = task.training_pairs(task.load_split("train"))
    assert pair.prompt.endswith("Answer: Let's think step by step.")
    assert pair.target == " Because b.\nAnswer: B"


def test_custom_rows_shaped_like_cais_mmlu_keep_id_and_rationale(tmp_path: Path) -> None:
    # the shape users write for chain-of-thought SFT (tests/methods/test_sft.py), plus ids:
    # an integer answer, a subject and a list of choices, as cais/mmlu rows also have
    path = write_jsonl(
        tmp_path / "mc.jsonl",
        [
            {
                "id": f"item-{i}",
                "question": f"Which number is {i}?",
                "choices": [str(i), str(i + 1), "none"],
                "answer": 0,
                "rationale": f"The number {i} is listed first.",
                "subject": "even" if i % 2 else "odd",
            }
            for i in range(3)
        ],
    )
    options = {"eval": str(path), "train": str(path), "scoring": "generate"}
    task = build_task("multiple_choice", "quiz", {**options, "chain_of_thought": True})
    examples = task.load_split("eval")
    assert [e.id for e in examples] == ["item-0", "item-1", "item-2"]
    assert examples[1].data == {
        "question": "Which number is 1?",
        "choices": ["1", "2", "none"],
        "subject": "even",
        "rationale": "The number 1 is listed first.",
    }
    assert (examples[1].gold, examples[1].group) == (0, "even")
    pair = task.training_pairs(task.load_split("train"))[2]
    assert pair.target == " The number 2 is listed first.\nAnswer: A"
