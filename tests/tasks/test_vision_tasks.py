"""Caption and MMBench tasks: metrics equal scoring/caption, readers, circular answers by hand."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchlab.errors import ConfigError, DataError
from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.requests import EmbeddingResult, GenerationRequest, GenerationResult
from benchlab.scoring.caption import metric_intervals, score_captions
from benchlab.tasks.base import EvalContext, Prediction
from benchlab.tasks.evaluation import evaluate
from benchlab.tasks.registry import build_task
from benchlab.tasks.vision import DEFAULT_CAPTION_PROMPT
from tests.tasks.mmbench_fixtures import EXPECTED_LETTERS, RIGHT_TEXT, rows, write_tsv


@pytest.fixture(scope="module")
def shapes(benchlab_cache: Path) -> dict[str, str]:
    return {
        "references": str(resolve_builtin_data("builtin:shapes-captions/eval.json")),
        "images": str(resolve_builtin_data("builtin:shapes-images/eval")),
    }


def _caption_task(shapes: dict[str, str], **options: Any) -> Any:
    return build_task(
        "caption", "shapes", {**shapes, "similarity_model": None, "meteor": False, **options}
    )


def test_caption_requests_carry_the_image_and_lmms_eval_prompt(shapes: dict[str, str]) -> None:
    task = _caption_task(shapes, max_new_tokens=20)
    example = task.load_split("eval")[0]
    (request,) = task.requests_for(example, (), EvalContext())
    assert isinstance(request, GenerationRequest)
    assert request.prompt == DEFAULT_CAPTION_PROMPT
    assert request.max_new_tokens == 20
    image = Path(shapes["images"]) / "shapes-eval-0000.png"
    assert request.media[0].read_bytes() == image.read_bytes()
    assert len(example.gold) == 5


def test_caption_metrics_equal_scoring_caption_on_the_same_captions(
    shapes: dict[str, str],
) -> None:
    task = _caption_task(shapes)
    examples = task.load_split("eval")[:40]
    # each image captioned with its neighbour's first reference: partly right, partly wrong
    captions = {e.id: examples[(k + 1) % len(examples)].gold[0] for k, e in enumerate(examples)}
    predictions = [Prediction(e.id, "", e.gold, captions[e.id], None, {}) for e in examples]
    metrics = task.metrics(predictions, seed=3, n_resamples=200)
    scores = score_captions(captions, {e.id: e.gold for e in examples}, meteor=False)
    expected = metric_intervals(scores, n_resamples=200, seed=3)
    assert next(iter(metrics)) == "CIDEr"  # the headline metric
    for name, value in expected.items():
        assert metrics[name].value == value.value
        assert (metrics[name].ci_low, metrics[name].ci_high) == (value.ci_low, value.ci_high)
        assert metrics[name].n == 40
    assert metrics["CIDEr"].value > 0
    per_image = [p.details["CIDEr"] for p in predictions]  # for paired comparisons
    assert np.mean(per_image) == pytest.approx(metrics["CIDEr"].value, abs=1e-12)
    assert metrics["length_ratio"].ci_low <= metrics["length_ratio"].value
    assert metrics["length_ratio"].value <= metrics["length_ratio"].ci_high


def test_semantic_similarity_is_the_max_and_mean_cosine(shapes: dict[str, str]) -> None:
    task = _caption_task(shapes, similarity_model="builtin:minilm")
    gold = ["a", "b"]
    predictions = [Prediction("1", "", gold, "x", None, {})]
    requests = task.scoring_requests(predictions)
    assert [r.text for r in requests] == ["x", "a", "b"]
    assert task.scoring_model_spec().backend == "hf_embedding"
    vectors = [(1.0, 0.0), (0.6, 0.8), (0.0, 1.0)]
    task.apply_scoring(predictions, [EmbeddingResult(v) for v in vectors])
    assert predictions[0].details["semantic_max"] == pytest.approx(0.6)
    assert predictions[0].details["semantic_mean"] == pytest.approx(0.3)
    assert _caption_task(shapes).scoring_model_spec() is None


def test_jsonl_and_csv_references_are_read_per_image(
    tmp_path: Path, shapes: dict[str, str]
) -> None:
    images = Path(shapes["images"])
    jsonl = tmp_path / "refs.jsonl"
    jsonl.write_text(
        json.dumps({"image": "shapes-eval-0001.png", "captions": ["one", "two"]})
        + "\n"
        + json.dumps({"image": "shapes-eval-0000.png", "caption": "three"})
        + "\n"
    )
    table = tmp_path / "refs.csv"
    with table.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows(
            [["file_name", "caption"], ["shapes-eval-0002.png", "x"], ["shapes-eval-0002.png", "y"]]
        )
    from_jsonl = build_task("caption", "j", {"references": str(jsonl), "images": str(images)})
    from_csv = build_task("caption", "c", {"references": str(table), "images": str(images)})
    assert [(e.id, e.gold) for e in from_jsonl.load_split("eval")] == [
        ("shapes-eval-0001", ["one", "two"]),
        ("shapes-eval-0000", ["three"]),
    ]
    assert [(e.id, e.gold) for e in from_csv.load_split("eval")] == [
        ("shapes-eval-0002", ["x", "y"])
    ]


def test_caption_data_problems_name_the_file_and_the_fix(tmp_path: Path) -> None:
    refs = tmp_path / "refs.json"
    refs.write_text(
        json.dumps(
            {
                "images": [{"id": 7, "file_name": "missing.jpg"}],
                "annotations": [{"image_id": 7, "caption": "a dog"}],
            }
        )
    )
    task = build_task("caption", "c", {"references": str(refs), "images": str(tmp_path)})
    with pytest.raises(DataError, match=r"missing\.jpg.*not found.*images"):
        task.load_split("eval")
    with pytest.raises(ConfigError, match="references"):
        build_task("caption", "c", {}).validate()
    with pytest.raises(ConfigError, match="prompts"):
        build_task("caption", "c", {"references": str(refs), "prompts": "x"})


class _Answers:
    """A fake VLM: answers each MMBench prompt with a function of its text."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply

    def answer(self, requests: Sequence[Any]) -> list[Any]:
        assert all(r.media for r in requests)  # every copy is asked with its image
        return [GenerationResult((self.reply(r.prompt),)) for r in requests]


def _right_letter(prompt: str) -> str:
    """The letter of the right option, found from the question text (the hand-made key)."""
    question = re.search(r"Question: (.*)\n", prompt).group(1)
    index = next(int(row[0]) for row in rows() if row[1] == question)
    lines = re.findall(r"^([A-D])\. (.*)$", prompt, flags=re.M)
    return next(letter for letter, text in lines if text == RIGHT_TEXT[index])


def _mmbench(tmp_path: Path, **options: Any) -> tuple[Any, list[Prediction]]:
    task = build_task("mmbench", "mm", {"path": str(write_tsv(tmp_path / "mm.tsv")), **options})
    return task, task.load_split("eval")


def test_mmbench_circular_scores_by_hand(tmp_path: Path) -> None:
    task, examples = _mmbench(tmp_path)
    assert [int(e.id) for e in examples] == sorted(EXPECTED_LETTERS)
    right = evaluate(
        task, _Answers(lambda p: f"The answer is {_right_letter(p)}."), examples, EvalContext()
    )
    for prediction in right:
        expected = [c["expected"] for c in prediction.details["copies"]]
        assert expected == EXPECTED_LETTERS[int(prediction.example_id)]
        assert {c["rule"] for c in prediction.details["copies"]} == {"letter_token"}
    assert task.metrics(right)["accuracy"].value == 1.0
    always_a = evaluate(task, _Answers(lambda p: "A"), examples, EvalContext())
    metrics = task.metrics(always_a)
    assert metrics["accuracy"].value == 0.0 and metrics["accuracy"].n == len(examples)
    assert metrics["unmatched"].value == 0.0
    assert {"accuracy/animals", "l2_accuracy/perception"} <= set(metrics)


def test_mmbench_unparseable_answers_count_wrong_and_show(tmp_path: Path) -> None:
    task, examples = _mmbench(tmp_path)
    predictions = evaluate(task, _Answers(lambda p: "hmm, hard to say"), examples, EvalContext())
    metrics = task.metrics(predictions)
    assert metrics["accuracy"].value == 0.0
    assert metrics["unmatched"].value == 1.0
    first = predictions[0].to_json()
    assert first["rule"] == "unmatched" and first["prediction"] is None
    assert "hard to say" in first["failure"]


def test_mmbench_vanilla_asks_only_the_originals(tmp_path: Path) -> None:
    task, examples = _mmbench(tmp_path, evaluation="vanilla")
    assert all(len(e.data["copies"]) == 1 for e in examples)
    predictions = evaluate(task, _Answers(lambda p: "A"), examples, EvalContext())
    right = sum(EXPECTED_LETTERS[int(p.example_id)][0] == "A" for p in predictions)
    assert task.metrics(predictions)["accuracy"].value == right / len(examples)
