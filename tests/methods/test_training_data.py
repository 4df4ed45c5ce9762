"""Tasks offer training data by kind: SFT pairs and seeded preference triples."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.tasks.base import Prediction, Sample
from benchlab.tasks.registry import build_task
from tests.helpers import write_jsonl

ROWS = [
    {
        "id": f"q{i}",
        "question": f"Question {i}?",
        "choices": {"text": ["red", "green", "blue", "grey"], "label": ["A", "B", "C", "D"]},
        "answerKey": "ABCD"[i % 4],
    }
    for i in range(12)
]


def _task(tmp_path: Path, **options):
    data = write_jsonl(tmp_path / "mc.jsonl", ROWS)
    return build_task("arc_challenge", "arc", {"train": str(data), "eval": str(data), **options})


@pytest.mark.parametrize("scoring", ["loglikelihood", "generate"])
def test_preference_triples_pair_gold_with_a_seeded_wrong_choice(tmp_path: Path, scoring) -> None:
    task = _task(tmp_path, scoring=scoring)
    examples = task.load_split("train")
    pairs = task.training_data("sft", examples)
    triples = task.training_data("preference", examples, seed=3)
    assert [(t.prompt, t.chosen) for t in triples] == [(p.prompt, p.target) for p in pairs]
    for triple, row in zip(triples, ROWS, strict=True):
        assert triple.rejected != triple.chosen
        gold = "ABCD".index(row["answerKey"])
        wrong_texts = [c for i, c in enumerate(row["choices"]["text"]) if i != gold]
        wrong_letters = [c for i, c in enumerate("ABCD") if i != gold]
        wrong = wrong_texts if scoring == "loglikelihood" else wrong_letters
        assert triple.rejected.strip() in wrong
    assert task.training_data("preference", examples, seed=3) == triples  # seeded
    others = task.training_data("preference", examples, seed=4)
    assert [t.rejected for t in others] != [t.rejected for t in triples]


def test_tasks_without_preferences_say_so(tmp_path: Path) -> None:
    rows = [
        {"question": f"{i} + {i}?", "answer": f"{i} + {i} = {2 * i}\n#### {2 * i}"}
        for i in range(4)
    ]
    data = write_jsonl(tmp_path / "g.jsonl", rows)
    task = build_task("gsm8k", "g", {"train": str(data), "eval": str(data)})
    with pytest.raises(NotImplementedError, match="cannot build preference pairs"):
        task.training_data("preference", task.load_split("train")[:2])


def test_prediction_samples_are_written_only_when_there_are_several() -> None:
    one = Prediction("1", "x", "4", "4", True, samples=[Sample("... 4", "4", True)])
    plain = Prediction("1", "x", "4", "4", True)
    assert one.to_json() == plain.to_json()
    assert list(plain.to_json()) == ["id", "input", "gold", "prediction", "correct"]
    several = Prediction(
        "1", "x", "4", "4", True, samples=[Sample("4", "4", True), Sample("5", "5", False)]
    )
    assert several.to_json()["samples"] == [
        {"text": "4", "answer": "4", "correct": True},
        {"text": "5", "answer": "5", "correct": False},
    ]
