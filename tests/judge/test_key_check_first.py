"""A judge whose key variable is unset fails before writing anything: no output, no cache file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.errors import ConfigError
from benchlab.judge.config import load_judge_config
from benchlab.judge.pipeline import run_judge_config
from benchlab.judge.session import JudgeSession
from tests.judge.fake_openai import KEY_ENV
from tests.judge.study import write_study


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_missing_key_fails_before_output_or_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    config_path = write_study(tmp_path, "http://127.0.0.1:9/v1", KEY_ENV)
    before = _files(tmp_path)
    config = load_judge_config(config_path)
    with pytest.raises(ConfigError, match=f"environment variable '{KEY_ENV}' is not set"):
        run_judge_config(config)
    with pytest.raises(ConfigError, match="is not set"):
        JudgeSession(config, config.reference, tmp_path / "cache" / "replies.sqlite")
    result = CliRunner().invoke(app, ["judge", str(config_path)])
    assert result.exit_code == 2 and "is not set" in result.output
    assert _files(tmp_path) == before
    assert not (tmp_path / "out").exists() and not (tmp_path / "cache").exists()
