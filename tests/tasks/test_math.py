"""GSM8K: lm-eval's chain-of-thought prompt, strict/flexible exact match, leak-free shots."""

from __future__ import annotations

from pathlib import Path

from benchlab.requests import GenerationResult
from benchlab.tasks.base import EvalContext
from benchlab.tasks.math import COT_EXEMPLARS, rationale
from benchlab.tasks.registry import build_task
from tests.helpers import write_jsonl

ROWS = [
    {
        "question": f"Tom has {i} apples and buys 2 more. How many now?",
        "answer": f"Tom has {i} + 2 = <<{i}+2={i + 2}>>{i + 2} apples.\n#### {i + 2:,}",
    }
    for i in range(998, 1010)
]


def _task(tmp_path: Path, **options):
    path = write_jsonl(tmp_path / "gsm.jsonl", ROWS)
    return build_task("gsm8k", "gsm", {"eval": str(path), "train": str(path), **options})


def test_cot8_prompt_is_lm_eval_gsm8k_cot(tmp_path: Path) -> None:
    task = _task(tmp_path)
    example = task.load_split("eval")[0]
    [request] = task.requests_for(example, [], EvalContext())
    first_q, first_a = COT_EXEMPLARS[0]
    assert request.prompt.startswith(f"Q: {first_q}\nA: {first_a}\n\n")
    assert request.prompt.endswith(f"\n\nQ: {example.data['question']}\nA:")
    assert request.prompt.count("\n\nQ: ") == 8
    assert request.stop == ("Q:", "</s>", "<|im_end|>")


def test_strict_and_flexible_scoring(tmp_path: Path) -> None:
    task = _task(tmp_path)
    example = task.load_split("eval")[0]  # gold 1,000 -> "1000"
    cases = {
        "998 + 2 = 1000. The answer is 1,000.": (True, True),
        "He has 1000 apples now.": (False, True),
        "The answer is 1000.0 apples": (True, True),  # "1000.0" normalises to "1000"
        "The answer is 999.": (False, False),
    }
    for text, (strict, flexible) in cases.items():
        details = task.score(example, [GenerationResult((text,))]).details
        assert (details["correct_strict"], details["correct_flexible"]) == (strict, flexible), text
    exact = _task(tmp_path, normalize_decimals=False)
    prediction = exact.score(example, [GenerationResult(("The answer is 1000.0 apples",))])
    assert prediction.correct is False  # lm-eval's exact match: "1000.0" != "1000"


def test_metrics_count_missing_answers(tmp_path: Path) -> None:
    task = _task(tmp_path)
    examples = task.load_split("eval")[:2]
    predictions = [
        task.score(examples[0], [GenerationResult(("The answer is 1000.",))]),
        task.score(examples[1], [GenerationResult(("no idea",))]),
    ]
    metrics = task.metrics(predictions, n_resamples=100)
    assert metrics["exact_match_strict"].value == 0.5
    assert metrics["no_answer_strict_count"].value == 1
    assert metrics["no_answer_flexible_count"].value == 1


def test_sampled_shots_never_leak_the_evaluated_problem(tmp_path: Path) -> None:
    task = _task(tmp_path, prompt="sampled", num_fewshot=5)
    for example in task.load_split("eval"):
        prompt = task.requests_for(example, [], EvalContext())[0].prompt
        assert prompt.count(example.data["question"]) == 1
        assert prompt.count("#### ") == 5


def test_training_pairs_are_chain_of_thought_then_answer(tmp_path: Path) -> None:
    task = _task(tmp_path)
    pair = task.training_pairs(task.load_split("train")[:1])[0]
    assert pair.prompt == f"Q: {ROWS[0]['question']}\nA:"
    assert pair.target == " Tom has 998 + 2 = 1000 apples. The answer is 1,000."
    assert rationale(ROWS[0]["answer"]) == "Tom has 998 + 2 = 1000 apples."
