"""Full-weight DPO (an explicit frozen reference), DPO from a data file, and KTO."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.helpers import write_jsonl
from tests.methods.preference_study import write_study

SMALL = {"batch_size": 8, "max_length": 64, "learning_rate": 1.0e-3}


@pytest.fixture(scope="module")
def variants_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two optimizer steps of each variant on the sentiment task."""
    folder = tmp_path_factory.mktemp("variants")
    pair = {"prompt": "Review: fine day\nSentiment:", "chosen": " positive", "rejected": " no"}
    tie = {"prompt": "Review: so so\nSentiment:", "chosen": " negative", "rejected": " negative"}
    rows = [{**pair, "prompt": f"Review: fine day {i}\nSentiment:"} for i in range(10)]
    rows += [tie, tie]
    write_jsonl(folder / "prefs.jsonl", rows)
    modes = [
        {"name": "dpo-full", "type": "dpo", "peft": "full", **SMALL},
        {"name": "dpo-file", "type": "dpo", "data": "prefs.jsonl", "r": 4, **SMALL},
        {"name": "kto", "type": "kto", "r": 4, **SMALL},
    ]
    path = write_study(folder, modes, max_train_examples=16, max_eval_examples=8, max_train_steps=2)
    summary = run_plan(load_plan(path), folder / "run")
    assert summary.ok, summary.errors
    return folder / "run"


def _history(run: Path, mode: str) -> dict:
    return json.loads((run / f"experiments/tiny-llama_sentiment_{mode}/history.json").read_text())


def test_full_dpo_trains_against_an_explicit_frozen_copy(variants_run: Path) -> None:
    history = _history(variants_run, "dpo-full")
    assert history["reference"] == "a frozen copy of the starting model"
    assert history["base_weight_copies"] == 2
    results = json.loads(
        (variants_run / "experiments/tiny-llama_sentiment_dpo-full/results.json").read_text()
    )
    assert results["training"]["trainable_percent"] == 100.0
    assert results["training"]["artifact"] == "model"


def test_dpo_on_a_file_drops_ties_with_a_count_and_is_trained_once_for_the_run(
    variants_run: Path,
) -> None:
    log = next(variants_run.glob("benchmark_*.log")).read_text()
    assert "warning: 2 of 12 preference rows of " in log
    assert _history(variants_run, "dpo-file")["train_rows"] == 10
    assert len(list((variants_run / "shared").glob("dpo-tiny-llama-dpo-file-*/adapter"))) == 1


def test_kto_trains_on_the_task_pairs_split_into_good_and_bad_answers(variants_run: Path) -> None:
    history = _history(variants_run, "kto")
    assert history["train_rows"] == 32  # 16 train examples, a desirable and an undesirable each
    assert history["train_metrics"] and "kl" in history["train_metrics"][-1]
