"""build_report on hand-made runs: files, CSV rows, a self-contained page, partial runs."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.errors import BenchlabError
from benchlab.report.analysis import analyse_run
from benchlab.report.build import build_report
from tests.report.run_fixtures import (
    planted_predictions,
    write_experiment,
    write_failed,
    write_plan,
)

IDS = [
    "minilm_sentiment_finetune",
    "tinybert_sentiment_finetune",
    "tinyllama_sentiment_lora",
    "tinyllama_sentiment_few-shot",
    "tinyllama_sentiment_zero-shot",
    "tinyllama_topic_lora",
]


@pytest.fixture(scope="module")
def partial_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four complete experiments, one failed, one pending; report built once."""
    run_dir = tmp_path_factory.mktemp("partial-run")
    write_plan(run_dir, IDS)
    gold, _ = planted_predictions(300, 0.90, seed=1)
    for experiment_id, accuracy, kind, params, seed in (
        ("minilm_sentiment_finetune", 0.90, "encoder", 22_000_000, 1),
        ("tinybert_sentiment_finetune", 0.70, "encoder", 4_000_000, 2),
        ("tinyllama_sentiment_lora", 0.89, "causal", 1_100_000_000, 3),
        ("tinyllama_sentiment_few-shot", 0.60, "causal", 1_100_000_000, 4),
    ):
        _, pred = planted_predictions(300, accuracy, seed=seed, gold=gold)
        train = None if "shot" in experiment_id else 30.0
        write_experiment(
            run_dir,
            experiment_id,
            gold,
            pred,
            kind=kind,
            total_parameters=params,
            train_seconds=train,
        )
    write_failed(run_dir, "tinyllama_sentiment_zero-shot", "CUDA out of memory at batch 3")
    build_report(run_dir)
    return run_dir


def test_report_files_exist(partial_run: Path) -> None:
    analysis = partial_run / "analysis"
    for name in (
        "comparison_table.csv",
        "accuracy_comparison.png",
        "latency_comparison.png",
        "summary_stats.txt",
        "report.html",
    ):
        assert (analysis / name).stat().st_size > 0, name
    assert (analysis / "accuracy_comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_csv_has_a_row_per_experiment_including_failed(partial_run: Path) -> None:
    with (partial_run / "analysis" / "comparison_table.csv").open() as handle:
        rows = {row["experiment"]: row for row in csv.DictReader(handle)}
    assert list(rows) == IDS
    assert rows["tinyllama_sentiment_zero-shot"]["state"] == "failed"
    assert rows["tinyllama_sentiment_zero-shot"]["error"] == "CUDA out of memory at batch 3"
    assert rows["tinyllama_topic_lora"]["state"] == "pending"
    complete = rows["minilm_sentiment_finetune"]
    for column in (
        "accuracy",
        "accuracy_ci_low",
        "accuracy_ci_high",
        "accuracy_n",
        "f1",
        "mcc",
        "train_seconds",
        "latency_p50_ms",
        "latency_p95_ms",
        "throughput_per_s",
        "peak_rss_mb",
        "trainable_percent",
        "total_parameters",
    ):
        assert complete[column] != "", column
    assert float(complete["accuracy"]) == pytest.approx(0.90)


def test_html_is_self_contained(partial_run: Path) -> None:
    page = (partial_run / "analysis" / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert page.count('src="data:image/png;base64,') >= 2
    assert 'class="sortable"' in page and "<script>" in page


def test_partial_run_renders_failures_and_pending(partial_run: Path) -> None:
    page = (partial_run / "analysis" / "report.html").read_text()
    assert "CUDA out of memory at batch 3" in page
    assert "tinyllama_topic_lora (pending)" in page
    summary = (partial_run / "analysis" / "summary_stats.txt").read_text()
    assert "[failed]: CUDA out of memory at batch 3" in summary


def test_default_baseline_is_best_encoder_finetune(partial_run: Path) -> None:
    analysis = analyse_run(partial_run)
    assert analysis.baselines["sentiment"].experiment_id == "minilm_sentiment_finetune"
    candidates = [c.b.experiment_id for c in analysis.per_task["sentiment"]]
    assert candidates == [
        "tinybert_sentiment_finetune",
        "tinyllama_sentiment_lora",
        "tinyllama_sentiment_few-shot",
    ]
    tested = {tuple(sorted(c.key)) for c in analysis.comparisons}
    assert len(tested) == len(analysis.comparisons)
    for c in analysis.comparisons:
        m = len(analysis.comparisons)
        assert c.primary.p_adjusted <= min(1.0, m * c.primary.p_value) + 1e-12
        assert c.primary.p_adjusted >= c.primary.p_value


def test_baseline_by_model_or_experiment(partial_run: Path) -> None:
    by_model = analyse_run(partial_run, "tinyllama")
    assert by_model.baselines["sentiment"].experiment_id == "tinyllama_sentiment_lora"
    by_id = analyse_run(partial_run, "tinybert_sentiment_finetune")
    assert by_id.baselines["sentiment"].experiment_id == "tinybert_sentiment_finetune"
    with pytest.raises(BenchlabError, match="nope"):
        analyse_run(partial_run, "nope")
    with pytest.raises(BenchlabError, match="failed"):
        analyse_run(partial_run, "tinyllama_sentiment_zero-shot")


def test_questions_are_answered_from_the_data(partial_run: Path) -> None:
    answers = {a.question: a for a in analyse_run(partial_run).answers}
    lora = answers["Can a small LLM with LoRA match a fine-tuned encoder (within 2 points)?"]
    # 89% vs 90% on 300 items: the CI of the difference is far wider than ±2 points.
    assert lora.paragraphs[0].startswith("sentiment: Undecided")
    assert "not a significant difference" in lora.paragraphs[0]
    few = answers["Is few-shot prompting competitive with fine-tuning?"]
    assert few.paragraphs[0].startswith("sentiment: No:")
    assert "a significant difference after Holm's correction" in few.paragraphs[0]
    size = answers["How much does model size matter?"]
    assert "tinybert (4.0M parameters)" in size.paragraphs[0]
    assert "Which approach is most efficient?" in answers
    struggles = answers["Where do LLMs struggle compared with encoders?"]
    assert "gold label" in struggles.paragraphs[0]


def test_cli_report_command(partial_run: Path) -> None:
    from benchlab.cli.main import app

    result = CliRunner().invoke(app, ["report", str(partial_run), "--baseline", "tinyllama"])
    assert result.exit_code == 0, result.output
    bad = CliRunner().invoke(app, ["report", str(partial_run), "--baseline", "nope"])
    assert bad.exit_code != 0 and "nope" in bad.output


def test_empty_run_still_renders(tmp_path: Path) -> None:
    write_plan(tmp_path, ["a_t_finetune"])
    folder = build_report(tmp_path)
    assert "a_t_finetune" in (folder / "report.html").read_text()


def test_csv_warns_for_every_metric_whose_sample_cannot_carry_a_claim(tmp_path: Path) -> None:
    # n=120 at 75% accuracy: accuracy's CI is about 15 points wide, MCC's (on a -1..1 scale)
    # about 30, so MCC alone gets the small-sample warning.
    gold, pred = planted_predictions(120, 0.75, seed=4)
    write_experiment(tmp_path, "bert_sst2_finetune", gold, pred)
    write_plan(tmp_path, ["bert_sst2_finetune"])
    build_report(tmp_path)
    with (tmp_path / "analysis" / "comparison_table.csv").open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    width = float(row["mcc_ci_high"]) - float(row["mcc_ci_low"])
    assert width > 0.2 > float(row["accuracy_ci_high"]) - float(row["accuracy_ci_low"])
    assert row["warning"].startswith("mcc") and "accuracy" not in row["warning"]


def test_per_group_metrics_stay_on_the_experiment_page_not_in_the_table(tmp_path: Path) -> None:
    from tests.report.run_fixtures import write_choice_experiment

    record = write_choice_experiment(tmp_path, "llama_arc_base", "ABCD" * 10, "ABCA" * 10)
    write_plan(tmp_path, ["llama_arc_base"])
    grouped = [name for name in record["metrics"] if "/" in name]
    assert grouped  # e.g. pred_share/A: the case under test
    page = (build_report(tmp_path) / "report.html").read_text(encoding="utf-8")
    table = page[page.index('id="comparison-table"') : page.index('id="plots"')]
    assert "acc [95% CI]" in table
    assert not any(name in table for name in grouped)
    experiments = page[page.index('id="experiments"') :]
    assert all(name in experiments for name in grouped)


def test_truncated_prompts_are_flagged_in_the_table_summary_and_page(tmp_path: Path) -> None:
    gold, pred = planted_predictions(200, 0.8, seed=5)
    for experiment_id, truncated in (("llama_mmlu_five-shot", 7), ("llama_mmlu_zero-shot", 0)):
        results = write_experiment(tmp_path, experiment_id, gold, pred, kind="causal")
        results.update(shots=5 if truncated else 0, truncated_prompts=truncated)
        (tmp_path / "experiments" / experiment_id / "results.json").write_text(json.dumps(results))
    write_plan(tmp_path, ["llama_mmlu_five-shot", "llama_mmlu_zero-shot"])
    folder = build_report(tmp_path)
    note = "7 of 200 prompts were cut from the left to fit the model's max_length"
    with (folder / "comparison_table.csv").open(encoding="utf-8") as handle:
        rows = {row["experiment"]: row for row in csv.DictReader(handle)}
    assert note in rows["llama_mmlu_five-shot"]["warning"]
    assert "cut from the left" not in rows["llama_mmlu_zero-shot"]["warning"]
    summary = (folder / "summary_stats.txt").read_text(encoding="utf-8")
    assert summary.count("cut from the left") == 1 and f"! {note}" in summary
    page = (folder / "report.html").read_text(encoding="utf-8")
    body = page[page.index('id="experiments"') :]
    assert body.count("cut from the left") == 1 and note.replace("'", "&#x27;") in body
    table = page[page.index('id="comparison-table"') : page.index('id="plots"')]
    assert "shots" in table
