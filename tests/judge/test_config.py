"""The judge config: a documented example validates; mistakes name the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.errors import ConfigError
from benchlab.judge.config import load_judge_config

EXAMPLE = """\
judge:
  endpoint:
    base_url: https://api.openai.com/v1
    model: gpt-4o-2024-08-06
    api_key_env: OPENAI_API_KEY
  max_tokens: 1024
  template: templates/strict.yaml
categories:
  - name: knowledge
    prompts: {task: {name: mmlu, type: multiple_choice}, limit: 100}
  - name: math
    prompts: {file: prompts/math.jsonl, reference_field: answer}
    reference_guided: true
    weight: 2
  - name: creativity
    prompts: {file: prompts/creativity.jsonl, question_field: instruction}
candidates:
  - name: my-lora
    answers: {file: answers/my-lora.jsonl}
  - name: tiny
    model: {name: tiny, path: builtin:tiny-causal, kind: causal}
    max_new_tokens: 256
reference:
  name: gpt4
  answers:
    file: /data/alpaca_eval/results/gpt4_1106_preview/model_outputs.json
    match_on: question
budget: {max_usd: 20, price_input_per_million: 2.5, price_output_per_million: 10}
concurrency: 8
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "judge.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_example_validates_and_resolves_relative_files(tmp_path: Path) -> None:
    config = load_judge_config(_write(tmp_path, EXAMPLE))
    base = (tmp_path / "conf").resolve()
    assert config.judge.template == str(base / "templates/strict.yaml")
    assert config.categories[1].prompts.file == str(base / "prompts/math.jsonl")
    assert config.categories[0].prompts.task.task_type == "multiple_choice"
    assert config.reference.answers.file.startswith("/data/")  # absolute paths stay
    assert config.candidates[1].model.path == "builtin:tiny-causal"
    assert config.budget.max_usd == 20 and config.concurrency == 8
    assert config.judge.temperature == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("api_key_env: OPENAI_API_KEY", "api_key_env: sk-abc123"), "NAME of an environment"),
        (("concurrency: 8", "concurrency: 0"), "concurrency"),
        (("concurrency: 8", "concurency: 8"), "concurency"),
        (("    answers: {file: answers/my-lora.jsonl}\n", ""), "exactly one of answers"),
        (("  name: gpt4", "  name: tiny"), "duplicate names"),
        (("reference_guided: true", "reference_guided: maybe"), "reference_guided"),
    ],
)
def test_mistakes_name_file_and_field(tmp_path: Path, change, message: str) -> None:
    old, new = change
    assert old in EXAMPLE
    path = _write(tmp_path, EXAMPLE.replace(old, new))
    with pytest.raises(ConfigError, match=message) as info:
        load_judge_config(path)
    assert "judge.yaml" in str(info.value)


def test_missing_file_and_judge(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_judge_config(tmp_path / "nope.yaml")
    no_judge = EXAMPLE.replace("  endpoint:\n", "  endpoint_:\n")
    with pytest.raises(ConfigError, match="judge"):
        load_judge_config(_write(tmp_path, no_judge))
