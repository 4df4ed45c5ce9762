"""SFT/LoRA pairs of multiple-choice tasks are written in the format the task is scored in.

The expected strings are lm-evaluation-harness's templates written out by hand (arc_challenge,
openbookqa, sciq, mmlu, gpqa), so a pair is checked against the benchmark, not against itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchlab.requests import GenerationResult
from benchlab.tasks.base import EvalContext
from benchlab.tasks.registry import build_task
from tests.helpers import write_jsonl

QUESTION = "Which gas do plants take in?"
CHOICES = {"text": ["oxygen", "carbon dioxide", "helium"], "label": ["A", "B", "C"]}
MMLU_CONTEXT = (
    "The following are multiple choice questions (with answers) about college biology.\n\n"
    f"{QUESTION}\nA. oxygen\nB. carbon dioxide\nC. helium\nD. neon\nAnswer:"
)

LOGLIKELIHOOD_CASES = [
    (
        "arc_challenge",
        {"id": "arc-1", "question": QUESTION, "choices": CHOICES, "answerKey": "B"},
        f"Question: {QUESTION}\nAnswer:",
        " carbon dioxide",
    ),
    (
        "openbookqa",
        {"id": "obqa-1", "question_stem": "Plants take in", "choices": CHOICES, "answerKey": "B"},
        "Plants take in",
        " carbon dioxide",
    ),
    (
        "sciq",
        {
            "question": QUESTION,
            "distractor1": "oxygen",
            "distractor2": "helium",
            "distractor3": "neon",
            "correct_answer": "carbon dioxide",
            "support": "  Leaves absorb carbon dioxide.",
        },
        f"Leaves absorb carbon dioxide.\nQuestion: {QUESTION}\nAnswer:",
        " carbon dioxide",
    ),
    (
        "mmlu",
        {
            "question": QUESTION,
            "subject": "college_biology",
            "choices": ["oxygen", "carbon dioxide", "helium", "neon"],
            "answer": 1,
        },
        MMLU_CONTEXT,
        " B",
    ),
]


def _pair_and_requests(task: Any) -> tuple[Any, Any, list[Any]]:
    [example] = task.load_split("eval")
    [pair] = task.training_pairs([example])
    return example, pair, task.requests_for(example, [], EvalContext())


@pytest.mark.parametrize(
    ("task_type", "row", "context", "target"),
    LOGLIKELIHOOD_CASES,
    ids=[case[0] for case in LOGLIKELIHOOD_CASES],
)
def test_loglikelihood_pair_is_the_scored_context_and_gold_continuation(
    tmp_path: Path, task_type: str, row: dict[str, Any], context: str, target: str
) -> None:
    path = write_jsonl(tmp_path / "items.jsonl", [row])
    task = build_task(task_type, "t", {"eval": str(path), "num_fewshot": 0})
    example, pair, requests = _pair_and_requests(task)
    assert (pair.prompt, pair.target) == (context, target)
    # exactly what evaluation scores: every choice shares the context, gold's continuation
    assert {r.context for r in requests} == {pair.prompt}
    assert requests[example.gold].continuation == pair.target


def test_gpqa_pair_follows_the_shuffled_choices(tmp_path: Path) -> None:
    row = {
        "Question": QUESTION,
        "Correct Answer": "carbon dioxide",
        "Incorrect Answer 1": "oxygen",
        "Incorrect Answer 2": "helium",
        "Incorrect Answer 3": "neon",
    }
    path = write_jsonl(tmp_path / "gpqa.jsonl", [row])
    example, pair, requests = _pair_and_requests(build_task("gpqa", "g", {"eval": str(path)}))
    choices = example.data["choices"]
    letter = "ABCD"[choices.index("carbon dioxide")]
    listing = "\n".join(f"({'ABCD'[i]}) {c}" for i, c in enumerate(choices))
    assert pair.prompt == (
        f"What is the correct answer to this question:{QUESTION}\nChoices:\n{listing}\nAnswer:"
    )
    assert pair.target == f" ({letter})"
    assert requests[example.gold].context == pair.prompt
    assert requests[example.gold].continuation == pair.target


def test_fewshot_tasks_train_on_the_zero_shot_context(tmp_path: Path) -> None:
    row = LOGLIKELIHOOD_CASES[3][1]
    path = write_jsonl(tmp_path / "mmlu.jsonl", [row])
    shots = write_jsonl(
        tmp_path / "dev.jsonl", [{**row, "question": f"dev q{i}"} for i in range(5)]
    )
    task = build_task("mmlu", "m", {"eval": str(path), "train": str(shots)})
    _, pair, requests = _pair_and_requests(task)
    assert pair.prompt == MMLU_CONTEXT and pair.target == " B"
    evaluated = requests[1].context  # 5-shot: the same text with demonstrations before it
    assert evaluated.count("dev q") == 5 and evaluated.endswith(MMLU_CONTEXT.split("\n\n", 1)[1])


@pytest.mark.parametrize("chain_of_thought", [True, False])
@pytest.mark.parametrize("rationale", [None, "Animals breathe in oxygen (A); plants do not."])
def test_generate_pair_target_extracts_to_the_gold_letter(
    tmp_path: Path, chain_of_thought: bool, rationale: str | None
) -> None:
    row = {"question": QUESTION, "choices": ["oxygen", "carbon dioxide", "helium"], "answer": "B"}
    if rationale:
        row["rationale"] = rationale
    path = write_jsonl(tmp_path / "q.jsonl", [row])
    options = {"eval": str(path), "scoring": "generate", "chain_of_thought": chain_of_thought}
    task = build_task("multiple_choice", "q", options)
    example, pair, [request] = _pair_and_requests(task)
    assert pair.prompt == request.prompt
    if chain_of_thought:
        assert pair.prompt.endswith("Answer: Let's think step by step.")
        reasoning = f" {rationale}\n" if rationale else " "
        assert pair.target == f"{reasoning}Answer: B"
    else:
        assert pair.prompt.endswith("C. helium\nAnswer:") and pair.target == " B"
    # the task's own extractor reads the target back as the gold letter, even when the
    # rationale mentions another choice as "(A)"
    prediction = task.score(example, [GenerationResult((pair.target,))])
    assert prediction.prediction == "B" and prediction.correct is True
