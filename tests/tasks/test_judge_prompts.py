"""Multiple-choice and math tasks show a judge the full question and the gold answer."""

from pathlib import Path

from benchlab.tasks.judge_prompts import task_prompt
from benchlab.tasks.registry import build_task
from tests.helpers import write_jsonl


def test_multiple_choice_judge_prompt_lists_the_choices(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "mc.jsonl", [{"question": "2+2?", "choices": ["3", "4", "5"], "answer": 1}]
    )
    task = build_task("multiple_choice", "mc", {"eval": str(path)})
    example = task.load_split("eval")[0]
    assert task_prompt(task, example) == ("Question: 2+2?\nA. 3\nB. 4\nC. 5", "B. 4")


def test_gsm8k_judge_prompt_is_the_plain_problem(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "g.jsonl",
        [{"question": "Tom has 3 apples and buys 2. How many?", "answer": "3+2=5\n#### 5"}],
    )
    task = build_task("gsm8k", "g", {"eval": str(path), "train": str(path)})
    example = task.load_split("eval")[0]
    assert task_prompt(task, example) == ("Tom has 3 apples and buys 2. How many?", "5")
