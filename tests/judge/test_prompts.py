"""Judge templates: single-pass substitution, validation and YAML loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.errors import ConfigError
from benchlab.judge.prompts import (
    DEFAULT_PAIRWISE,
    DEFAULT_REFERENCE_GUIDED,
    JudgeTemplate,
    load_template,
)


def test_default_renders_question_and_answers_in_order() -> None:
    messages = DEFAULT_PAIRWISE.render("What is 2+2?", "four", "five")
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert user.index("What is 2+2?") < user.index("four") < user.index("five")
    assert "[[C]]" in messages[0]["content"]


def test_answers_with_braces_and_placeholders_are_inserted_verbatim() -> None:
    code = "def f(): return {'a': 1}  # {answer_b} {reference}"
    user = DEFAULT_PAIRWISE.render("q", code, "B-TEXT")[1]["content"]
    assert code in user
    assert user.count("B-TEXT") == 1


def test_reference_guided_needs_and_shows_reference() -> None:
    assert DEFAULT_REFERENCE_GUIDED.uses_reference
    assert not DEFAULT_PAIRWISE.uses_reference
    user = DEFAULT_REFERENCE_GUIDED.render("q", "a", "b", reference="42")[1]["content"]
    assert "[The Start of Reference Answer]\n42\n" in user
    with pytest.raises(ConfigError, match="reference"):
        DEFAULT_REFERENCE_GUIDED.render("q", "a", "b")


def test_missing_placeholder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\{answer_b\}"):
        JudgeTemplate("broken", "", "{question} {answer_a}")


def test_load_template_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text(
        "system: Be strict. Reply [[A]], [[B]] or [[C]].\n"
        'user: |\n  Q: {question}\n  A: {answer_a}\n  B: {answer_b}\n  JSON like {"k": 1} stays\n',
        encoding="utf-8",
    )
    template = load_template(path)
    assert template.name == "strict"
    messages = template.render("q1", "x", "y")
    assert messages[0]["content"].startswith("Be strict")
    assert 'Q: q1\nA: x\nB: y\nJSON like {"k": 1} stays' in messages[1]["content"]
    (tmp_path / "bad.yaml").write_text("prompt: hi\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        load_template(tmp_path / "bad.yaml")
