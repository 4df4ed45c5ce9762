"""Typos and unreadable files are refused by `validate`: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.errors import ConfigError
from benchlab.judge.config import load_judge_config
from benchlab.runner.planning import load_plan
from tests.helpers import write_config


def _with(tmp_path: Path, change) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _matrix(**rules):
    return lambda d: d.update(matrix=rules)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # an include naming a model that does not exist is refused even when another rule matches
        (
            _matrix(include=[{"models": ["tiny-lama"]}, {"models": ["tiny-bert"]}]),
            r"matrix\.include\[0\]\.models: 'tiny-lama' matches no model "
            r"\(did you mean 'tiny-llama'\?\)",
        ),
        (
            _matrix(include=[{"tasks": ["sentimnt"]}]),
            r"matrix\.include\[0\]\.tasks: 'sentimnt' matches no task",
        ),
        (
            _matrix(include=[{"modes": ["zero-shot", "lroa"]}]),
            r"matrix\.include\[0\]\.modes: 'lroa' matches no mode",
        ),
        (
            _matrix(include=[{"models": ["gpt-*"]}]),
            r"matrix\.include\[0\]\.models: 'gpt-\*' matches no model",
        ),
        # a misspelled exclude would silently exclude nothing
        (
            _matrix(exclude=[{"models": ["tiny-bret"], "modes": ["finetune"]}]),
            r"matrix\.exclude\[0\]\.models: 'tiny-bret' matches no model",
        ),
        (
            _matrix(exclude=[{"modes": ["few_shot"]}]),
            r"matrix\.exclude\[0\]\.modes: 'few_shot' matches no mode",
        ),
        # an include whose names exist but whose combinations cannot run selects nothing
        (
            _matrix(
                include=[
                    {"models": ["tiny-bert"], "modes": ["lora"]},
                    {"models": ["tiny-llama"], "modes": ["zero-shot"]},
                ]
            ),
            r"matrix\.include\[0\] selects no compatible experiment: none of the model x task",
        ),
        (
            _matrix(
                include=[{"models": ["tiny-bert"]}, {"models": ["tiny-llama"]}],
                exclude=[{"models": ["tiny-bert"]}],
            ),
            r"matrix\.include\[0\] selects no compatible experiment: matrix\.exclude removes",
        ),
        (
            _matrix(include=[{"models": ["tiny-bert"], "kinds": ["causal"]}, {}]),
            r"matrix\.include\[0\] selects no compatible experiment: no model of the listed kinds",
        ),
    ],
)
def test_matrix_typos_are_refused(tmp_path: Path, change, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_plan(_with(tmp_path, change))


def test_rules_that_select_something_still_pass(tmp_path: Path) -> None:
    path = _with(
        tmp_path,
        _matrix(
            include=[{"models": ["tiny-*"], "modes": ["*-shot"]}],
            exclude=[{"tasks": ["s*"], "modes": ["few-shot"]}],
        ),
    )
    assert [s.id for s in load_plan(path).experiments] == ["tiny-llama_sentiment_zero-shot"]


DUPLICATES = [
    ("name: a\nname: b\n", r"c\.yaml:2: duplicate key 'name' \(first given on line 1\)"),
    (
        "models:\n  - name: m\n    path: x\n    kind: causal\n    kind: encoder\n",
        r"c\.yaml:5: duplicate key 'kind' \(first given on line 4\)",
    ),
    ("profiles:\n  quick: {}\n  quick: {epochs: 1}\n", r"c\.yaml:3: duplicate key 'quick'"),
]


@pytest.mark.parametrize(("text", "expected"), DUPLICATES)
def test_duplicate_yaml_keys_are_refused(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        load_plan(path)


def test_duplicate_keys_in_a_judge_config_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "judge.yaml"
    path.write_text("judge: {}\ncategories: []\njudge: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"judge\.yaml:3: duplicate key 'judge'"):
        load_judge_config(path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("name: x\n".encode("utf-16"), r"UTF-16 encoded; save it as UTF-8"),
        (b"name: caf\xe9\n", r"c\.yaml:1: not UTF-8 text \(byte 0xe9\); save the file as UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"not UTF-8 text|NUL bytes"),
        (b"name: x\x00\n", r"NUL bytes"),
    ],
)
def test_unreadable_configs_name_the_file_and_the_fix(tmp_path: Path, raw: bytes, expected) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError, match=expected):
        load_plan(path)


def test_cli_validate_prints_one_line_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    cases = [
        _with(tmp_path / "a", _matrix(include=[{"models": ["tiny-lama"]}, {}])),
        _with(tmp_path / "b", _matrix(exclude=[{"tasks": ["sentimnt"]}])),
    ]
    duplicate = tmp_path / "dup.yaml"
    duplicate.write_text("name: a\nname: b\n", encoding="utf-8")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xd8\xff\xe0binary")
    for path in [*cases, duplicate, binary]:
        before = sorted(p for p in tmp_path.rglob("*"))
        for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "r")]):
            result = CliRunner().invoke(app, command)
            lines = [line for line in result.output.splitlines() if line.strip()]
            assert result.exit_code == 2, result.output
            assert len(lines) == 1 and lines[0].startswith("error:"), result.output
            assert "Traceback" not in result.output
        assert sorted(p for p in tmp_path.rglob("*")) == before
