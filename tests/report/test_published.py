"""Published figures beside measured ones: shipped list cited, protocol differences flagged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.config.schema import BenchConfig
from benchlab.errors import ConfigError
from benchlab.report.published import AS_PUBLISHED, load_published, side_by_side
from benchlab.report.records import load_run
from tests.publish.run_fixture import LORA, ZERO, write_publish_run


def test_shipped_figures_are_cited_and_load() -> None:
    figures = load_published()
    assert len(figures) >= 10
    for figure in figures:
        assert figure.source.url.startswith("https://") and figure.source.table
    qwen = {(f.model, f.benchmark): f for f in figures}[("Qwen/Qwen2-0.5B", "mmlu")]
    assert (qwen.value, qwen.shots, qwen.unit) == (45.4, 5, "percent")
    assert qwen.as_fraction() == pytest.approx(0.454)


def test_a_figure_with_other_shots_is_flagged(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    figure = {
        "model": "Qwen/Qwen2-0.5B",
        "benchmark": "sentiment",
        "metric": "accuracy",
        "value": 91.5,
        "shots": 5,
        "split": None,
        "protocol": "5-shot",
        "source": {"paper": "A paper", "url": "https://example.org/paper", "table": "Table 2"},
    }
    write_publish_run(run_dir, model_path="Qwen/Qwen2-0.5B", published=[figure])
    run = load_run(run_dir)
    pairs = side_by_side(run.complete, load_published([figure]))
    by_id = {p.record.experiment_id: p for p in pairs if p.figure.source.paper == "A paper"}
    zero = by_id[ZERO]
    assert "shots differ: published 5-shot, measured 0" in zero.flags
    assert zero.metric == "accuracy"
    assert zero.gap == pytest.approx(zero.measured["value"] - 0.915)
    assert any("lora-trained" in flag for flag in by_id[LORA].flags)

    result = CliRunner().invoke(app, ["report", str(run_dir), "--format", "md"])
    assert result.exit_code == 0, result.output
    markdown = (run_dir / "analysis" / "technical_report.md").read_text(encoding="utf-8")
    section = markdown.split("## Published results", 1)[1].split("## Efficiency", 1)[0]
    assert AS_PUBLISHED in section
    assert "shots differ: published 5-shot, measured 0" in section
    assert "A paper, Table 2 <https://example.org/paper>" in section


def test_matching_figure_without_differences_is_not_flagged(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    figure = {
        "model": "Qwen/Qwen2-0.5B",
        "benchmark": "sentiment",
        "metric": "accuracy",
        "value": 50.0,
        "shots": 0,
        "source": {"paper": "P", "url": "https://example.org", "table": "T"},
    }
    write_publish_run(run_dir, model_path="Qwen/Qwen2-0.5B")
    pairs = side_by_side(load_run(run_dir).complete, load_published([figure]))
    zero = next(p for p in pairs if p.record.experiment_id == ZERO and p.figure.source.paper == "P")
    assert zero.flags == ()


def test_config_published_block_is_accepted_and_bad_entries_name_the_field() -> None:
    config = BenchConfig.model_validate(
        {
            "models": [{"name": "m", "path": "x/y", "kind": "causal"}],
            "tasks": [{"name": "t"}],
            "modes": [{"name": "zero-shot", "type": "zero_shot"}],
            "published": [
                {
                    "model": "x/y",
                    "benchmark": "t",
                    "metric": "acc",
                    "value": 1.0,
                    "source": {"paper": "p", "url": "https://e", "table": "1"},
                }
            ],
        }
    )
    assert len(load_published(config.published)) == len(load_published()) + 1
    with pytest.raises(ConfigError, match=r"config published\[0\]\.source"):
        load_published([{"model": "x/y", "benchmark": "t", "metric": "acc", "value": 1.0}])
    assert json.dumps(config.model_dump(mode="json")["published"])
