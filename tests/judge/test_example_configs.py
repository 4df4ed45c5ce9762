"""The shipped judge configs validate, and their answer files cover every prompt."""

from __future__ import annotations

from pathlib import Path

from benchlab.judge.answers import load_answers_file
from benchlab.judge.config import load_judge_config
from benchlab.judge.pipeline import build_categories
from benchlab.runner.planning import load_plan
from benchlab.tasks.judge_prompts import prompts_from_task
from benchlab.tasks.registry import build_task

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_judge_matrix_config_runs_zero_shot_and_lora_on_a_judge_task() -> None:
    plan = load_plan(CONFIGS / "judge-matrix.yaml")
    assert [e.mode.method_type for e in plan.experiments] == ["zero_shot", "lora"]
    spec = plan.experiments[0].task
    task = build_task(spec.task_type, spec.name, spec.options)
    assert task.family == "judge"
    examples = task.load_split("eval")
    prompts = [p for c in task.categories for p in c.prompts]
    reference = task.options.reference.answers
    answers = load_answers_file(reference.file, prompts, answer_field=reference.answer_field)
    assert len(answers) == len(examples) == 15
    assert len(task.training_pairs(task.load_split("train"))) == 8


def test_judge_config_builds_its_categories_with_choices_from_the_task() -> None:
    config = load_judge_config(CONFIGS / "judge.yaml")
    assert config.reference.endpoint is not None and config.budget.max_usd == 5.0
    categories = {c.name: c for c in build_categories(config, prompts_from_task)}
    assert list(categories) == ["knowledge", "math", "writing", "science"]
    science = categories["science"].prompts[0]
    assert "A. oxygen\nB. carbon dioxide\nC. nitrogen\nD. helium" in science.question
    assert science.reference == "B. carbon dioxide"
    assert categories["math"].template.uses_reference


def test_mt_bench_config_reads_fastchat_files_by_category_and_turn() -> None:
    config = load_judge_config(CONFIGS / "judge-mt-bench.yaml")
    categories = {c.name: c for c in build_categories(config, multi_turn=True)}
    assert list(categories) == [
        "writing",
        "math",
        "roleplay",
        "writing (turn 2)",
        "math (turn 2)",
        "roleplay (turn 2)",
    ]
    follow_up = categories["math (turn 2)"].prompts[0]
    assert (follow_up.id, follow_up.turn, follow_up.context) == ("3/turn-2", 2, ("3",))
    assert follow_up.reference is not None and categories["math (turn 2)"].template.multi_turn
    prompts = [p for c in categories.values() for p in c.prompts]
    for source in (*config.candidates, config.reference):
        spec = source.answers
        answers = load_answers_file(
            spec.file, prompts, id_field=spec.id_field, answer_field=spec.answer_field
        )
        assert len(answers) == len(prompts) == 10
