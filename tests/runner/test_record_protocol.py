"""results.json says how many shots each prompt had and how many prompts were cut to fit."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.helpers import write_config, write_jsonl

WORDS = {"positive": ["good", "great", "fine"], "negative": ["bad", "awful", "dull"]}
LONG_WORDS = 300  # at least one token per word: far past max_length


def _rows(prefix: str, n: int, rng: random.Random, *, long_every: int = 0) -> list[dict]:
    rows = []
    for i in range(n):
        label = rng.choice(sorted(WORDS))
        words = LONG_WORDS if long_every and i % long_every == 0 else 3
        text = " ".join(rng.choice(WORDS[label]) for _ in range(words))
        rows.append({"id": f"{prefix}-{i:03d}", "text": text, "label": label})
    return rows


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """tiny-llama (max_length 256) zero-shot and 2-shot on 12 items, 3 of them too long."""
    folder = tmp_path_factory.mktemp("record-protocol")
    rng = random.Random(3)
    evaluation = _rows("ev", 12, rng, long_every=4)
    write_jsonl(folder / "train.jsonl", _rows("tr", 10, rng))
    write_jsonl(folder / "eval.jsonl", evaluation)
    config = write_config(
        folder / "c.yaml",
        tasks=[
            {
                "name": "words",
                "type": "classification",
                "train": str(folder / "train.jsonl"),
                "eval": str(folder / "eval.jsonl"),
                "columns": {"text": "text", "label": "label", "id": "id"},
                "label_names": ["negative", "positive"],
            }
        ],
        modes=[
            {"name": "zero-shot", "type": "zero_shot"},
            {"name": "two-shot", "type": "few_shot", "k": 2, "seed": 5},
        ],
        matrix={"include": [{"models": ["tiny-llama"]}]},
        profiles={"quick": {"latency_examples": 0, "bootstrap_resamples": 200}},
    )
    plan = load_plan(config)
    assert plan.config.models[1].max_length == 256  # long rows are cut, short ones fit
    summary = run_plan(plan, folder / "run")
    assert summary.ok, summary.errors
    long_ids = {row["id"] for row in evaluation if len(row["text"].split()) == LONG_WORDS}
    return folder / "run", long_ids


def _read(run_dir: Path, experiment_id: str) -> tuple[dict, list[dict]]:
    folder = run_dir / "experiments" / experiment_id
    results = json.loads((folder / "results.json").read_text())
    lines = (folder / "predictions.jsonl").read_text().splitlines()
    return results, [json.loads(line) for line in lines]


@pytest.mark.parametrize(("mode", "shots"), [("zero-shot", 0), ("two-shot", 2)])
def test_the_record_counts_shots_and_exactly_the_cut_prompts(run, mode: str, shots: int) -> None:
    run_dir, long_ids = run
    results, predictions = _read(run_dir, f"tiny-llama_words_{mode}")
    assert results["shots"] == shots
    assert all(len(p.get("demonstrations", [])) == shots for p in predictions)
    flagged = {p["id"] for p in predictions if p.get("truncated")}
    assert flagged == long_ids and len(long_ids) == 3
    assert results["truncated_prompts"] == 3
    assert list(results).index("truncated_prompts") == list(results).index("n_eval") + 2
