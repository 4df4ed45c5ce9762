"""Few-shot runs record each prediction's demonstrations, and all of them come from train."""

from __future__ import annotations

import json
import random
from pathlib import Path

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.helpers import write_config, write_jsonl

WORDS = {"positive": ["good", "great", "fine", "lovely"], "negative": ["bad", "awful", "dull"]}


def _rows(prefix: str, n: int, rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        label = rng.choice(sorted(WORDS))
        text = " ".join(rng.choice(WORDS[label]) for _ in range(3)) + f" {prefix}{i}"
        rows.append({"id": f"{prefix}-{i:03d}", "text": text, "label": label})
    return rows


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_recorded_demonstrations_come_from_the_train_file_only(tmp_path: Path) -> None:
    rng = random.Random(0)
    evaluation = _rows("ev", 16, rng)
    # train ids are disjoint from eval ids, but a few train rows repeat an eval text verbatim
    leaked = [{**row, "id": f"tr-copy-{i}"} for i, row in enumerate(evaluation[:4])]
    train = _rows("tr", 20, rng) + leaked
    write_jsonl(tmp_path / "train.jsonl", train)
    write_jsonl(tmp_path / "eval.jsonl", evaluation)
    config = write_config(
        tmp_path / "c.yaml",
        tasks=[
            {
                "name": "words",
                "type": "classification",
                "train": str(tmp_path / "train.jsonl"),
                "eval": str(tmp_path / "eval.jsonl"),
                "columns": {"text": "text", "label": "label", "id": "id"},
                "label_names": ["negative", "positive"],
            }
        ],
        modes=[
            {"name": "zero-shot", "type": "zero_shot"},
            {"name": "few-shot", "type": "few_shot", "k": 3, "seed": 5},
        ],
        matrix={"include": [{"models": ["tiny-llama"]}]},
        profiles={"quick": {"latency_examples": 1, "bootstrap_resamples": 200}},
    )
    summary = run_plan(load_plan(config), tmp_path / "run")
    assert summary.ok, summary.errors

    experiments = tmp_path / "run" / "experiments"
    zero_shot = _read(experiments / "tiny-llama_words_zero-shot" / "predictions.jsonl")
    assert all("demonstrations" not in p for p in zero_shot)

    few_shot = _read(experiments / "tiny-llama_words_few-shot" / "predictions.jsonl")
    assert len(few_shot) == len(evaluation)
    train_text = {row["id"]: row["text"] for row in train}
    eval_text = {row["id"]: row["text"] for row in evaluation}
    for prediction in few_shot:
        shown = prediction["demonstrations"]
        assert len(shown) == len(set(shown)) == 3
        assert set(shown) <= set(train_text)
        assert prediction["id"] not in shown and not set(shown) & set(eval_text)
        own_text = eval_text[prediction["id"]]
        assert all(train_text[i] != own_text for i in shown)  # not even a verbatim copy
    assert len({tuple(p["demonstrations"]) for p in few_shot}) > 1  # drawn per example
