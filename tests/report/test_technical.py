"""The technical report: every metric of every complete experiment with its CI, in prose order,
as Markdown parsed back here and as HTML rendered by headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.report.screenshot import find_chromium, non_background_share, screenshot_html
from tests.publish.run_fixture import write_publish_run
from tests.report.run_fixtures import write_choice_experiment, write_failed

SECTIONS = (
    "Abstract",
    "Setup",
    "Method",
    "Results",
    "Comparisons",
    "Research questions",
    "Published results",
    "Efficiency",
    "Limitations",
    "Appendix: reproducibility",
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with classification and multiple-choice experiments and one failure, reported."""
    root = tmp_path_factory.mktemp("technical") / "run"
    write_publish_run(root)
    write_choice_experiment(root, "llm_quiz_zero-shot", "ABCDABCDAB" * 4, "ABCAABCDAA" * 4)
    write_failed(root, "llm_quiz_lora", "CUDA out of memory")
    plan = json.loads((root / "run.json").read_text())
    plan["experiments"] += [
        {
            "id": "llm_quiz_zero-shot",
            "model": {"name": "llm"},
            "task": {"name": "quiz"},
            "mode": {"name": "zero-shot", "type": "zero_shot"},
        },
        {
            "id": "llm_quiz_lora",
            "model": {"name": "llm"},
            "task": {"name": "quiz"},
            "mode": {"name": "lora", "type": "lora"},
        },
    ]
    (root / "run.json").write_text(json.dumps(plan))
    result = CliRunner().invoke(app, ["report", str(root), "--format", "md", "--format", "html"])
    assert result.exit_code == 0, result.output
    return root


def _cells(line: str) -> list[str]:
    """The cells of one table line (escaped pipes kept inside their cell)."""
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def _tables(markdown: str) -> list[list[dict[str, str]]]:
    """Every pipe table of a Markdown text as rows of {header: cell}."""
    tables, lines = [], markdown.splitlines()
    for i, line in enumerate(lines):
        if (
            line.startswith("|")
            and i + 1 < len(lines)
            and re.fullmatch(r"\|(---\|)+", lines[i + 1])
        ):
            header = _cells(line)
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append(dict(zip(header, _cells(row), strict=True)))
            tables.append(rows)
    return tables


def test_markdown_holds_every_metric_with_its_ci(run_dir: Path) -> None:
    markdown = (run_dir / "analysis" / "technical_report.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", markdown, flags=re.M)
    assert headings == list(SECTIONS)
    found = {
        (row["experiment"], row["metric"]): row
        for table in _tables(markdown)
        for row in table
        if {"experiment", "metric", "value", "95% CI", "n"} <= row.keys()
    }
    checked = 0
    for folder in sorted((run_dir / "experiments").iterdir()):
        results_file = folder / "results.json"
        if not results_file.is_file():
            continue
        results = json.loads(results_file.read_text())
        for name, metric in results["metrics"].items():
            row = found[(results["experiment_id"], name)]
            assert row["value"] == f"{metric['value']:.4f}"
            assert row["95% CI"] == f"[{metric['ci_low']:.4f}, {metric['ci_high']:.4f}]"
            assert row["n"] == str(metric["n"])
            checked += 1
    assert checked >= 12
    assert "llm_quiz_lora (failed: CUDA out of memory)" in markdown
    assert "![Headline metric per experiment with its 95% CI](accuracy_comparison.png)" in markdown


def test_abstract_is_generated_from_the_results(run_dir: Path) -> None:
    markdown = (run_dir / "analysis" / "technical_report.md").read_text(encoding="utf-8")
    abstract = markdown.split("## Abstract", 1)[1].split("## Setup", 1)[0]
    lora = json.loads((run_dir / "experiments" / "llm_sentiment_lora" / "results.json").read_text())
    encoder = json.loads(
        (run_dir / "experiments" / "enc_sentiment_finetune" / "results.json").read_text()
    )
    best = max((lora, encoder), key=lambda r: r["metrics"]["accuracy"]["value"])
    accuracy = best["metrics"]["accuracy"]
    assert "We ran 5 experiments (4 complete, 1 failed)" in abstract
    assert (
        f"On sentiment, the best experiment was {best['mode']} {best['model']}: accuracy "
        f"{accuracy['value']:.3f} (95% CI {accuracy['ci_low']:.3f}-{accuracy['ci_high']:.3f}, "
        f"n={accuracy['n']})"
    ) in abstract


@pytest.mark.skipif(
    find_chromium() is None, reason="chromium not installed (apt-get install -y chromium)"
)
def test_html_renders_in_headless_chromium(run_dir: Path, tmp_path: Path) -> None:
    html = run_dir / "analysis" / "technical_report.html"
    text = html.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f">{section}</h2>" in text or f">{section.replace(':', '&#x3a;')}</h2>" in text
    assert "http://" not in text and "https://" not in text.split("<style>")[0]
    shot = screenshot_html(html, tmp_path / "technical.png", size=(1200, 1600))
    assert non_background_share(shot) > 0.02
