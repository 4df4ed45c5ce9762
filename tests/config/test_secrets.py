"""No message ever echoes a value that looks like a key or token; `*_env` fields refuse them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.backends.openai_compatible import OpenAICompatibleClient
from benchlab.cli.main import app
from benchlab.config.secrets import looks_like_secret
from benchlab.errors import ConfigError
from benchlab.judge.config import load_judge_config
from benchlab.runner.planning import load_plan
from tests.helpers import write_config

SECRETS = [
    "sk-proj-Abc123Def456Ghi789Jkl012Mno345",
    "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv",
    "ghp_1234567890abcdefABCDEF1234567890ab",
    "Zq8xR2mN7vK4pL9sT3wY6bH1jF5dG0cAe7Wu",  # no known prefix, but long and random
]


def _run_config(tmp_path: Path, change) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _refusal(action) -> str:
    with pytest.raises(ConfigError) as info:
        action()
    return str(info.value)


RUN_CONFIG_PLANTS = {
    "unknown model field": lambda s: lambda d: d["models"][0].update(api_key=s),
    "unknown task option": lambda s: lambda d: d["tasks"][0].update(token=s),
    "unknown mode option": lambda s: lambda d: d["modes"][1].update(api_key=s),
    "wrong type": lambda s: lambda d: d["models"][1].update(batch_size=s),
    "secret as a key": lambda s: lambda d: d["models"][0].update({s: 1}),
    "profile name typo": lambda s: lambda d: d.update(default_profile=s),
}


@pytest.mark.parametrize("secret", SECRETS)
@pytest.mark.parametrize("where", sorted(RUN_CONFIG_PLANTS))
def test_run_config_errors_never_echo_a_secret(tmp_path: Path, secret: str, where: str) -> None:
    path = _run_config(tmp_path, RUN_CONFIG_PLANTS[where](secret))
    message = _refusal(lambda: load_plan(path))
    assert secret not in message and secret[:12] not in message
    assert "c.yaml" in message


@pytest.mark.parametrize("secret", SECRETS)
def test_unknown_field_says_which_field_and_what_to_do(tmp_path: Path, secret: str) -> None:
    path = _run_config(tmp_path, lambda d: d["models"][0].update(api_key=secret))
    message = _refusal(lambda: load_plan(path))
    assert "models[0].api_key: unknown field" in message
    assert "environment variable" in message and "api_key_env" in message


@pytest.mark.parametrize("secret", SECRETS)
def test_yaml_errors_and_duplicate_keys_never_echo_a_secret(tmp_path: Path, secret: str) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(f"name: x\nmodels: [{{api_key: {secret}\n", encoding="utf-8")
    duplicate = tmp_path / "dup.yaml"
    duplicate.write_text(f"{secret}: 1\n{secret}: 2\n", encoding="utf-8")
    for path in (broken, duplicate):
        message = _refusal(lambda path=path: load_plan(path))
        assert secret not in message and path.name in message


JUDGE = """\
judge:
  endpoint: {base_url: "http://127.0.0.1:9/v1", model: judge, api_key_env: ENV}
categories:
  - {name: c, prompts: {file: p.jsonl}}
candidates:
  - {name: a, answers: {file: a.jsonl}}
reference: {name: r, answers: {file: r.jsonl}}
"""


@pytest.mark.parametrize("secret", SECRETS)
def test_a_key_in_api_key_env_is_refused_without_echo(tmp_path: Path, secret: str) -> None:
    path = tmp_path / "judge.yaml"
    path.write_text(JUDGE.replace("ENV", secret), encoding="utf-8")
    message = _refusal(lambda: load_judge_config(path))
    assert secret not in message
    assert "judge.endpoint" in message and "NAME of an environment variable" in message
    client = _refusal(
        lambda: OpenAICompatibleClient("http://127.0.0.1:9/v1", "m", api_key_env=secret)
    )
    assert secret not in client and "api_key_env" in client


@pytest.mark.parametrize("secret", SECRETS)
def test_an_unknown_judge_field_holding_a_key_is_not_echoed(tmp_path: Path, secret) -> None:
    path = tmp_path / "judge.yaml"
    text = JUDGE.replace("api_key_env: ENV", f"api_key: {secret}")
    path.write_text(text, encoding="utf-8")
    message = _refusal(lambda: load_judge_config(path))
    assert secret not in message and "judge.endpoint.api_key: unknown field" in message


def test_the_cli_never_prints_a_planted_secret(tmp_path: Path) -> None:
    for i, secret in enumerate(SECRETS):
        path = _run_config(tmp_path / str(i), lambda d, s=secret: d["models"][0].update(token=s))
        result = CliRunner().invoke(app, ["validate", str(path)])
        assert result.exit_code == 2 and secret not in result.output


@pytest.mark.parametrize(
    "value",
    [
        "OPENAI_API_KEY",
        "Review: {text}\nSentiment:",
        "meta-llama/Llama-3.2-1B-Instruct",
        "sentence-transformers/all-MiniLM-L6-v2",
        "gpt-4o-2024-08-06",
        "max_train_examples_per_class",
        "builtin:tiny-causal",
        "tiny-llama",
        "",
    ],
)
def test_ordinary_values_are_not_mistaken_for_secrets(value: str) -> None:
    assert not looks_like_secret(value)
