"""`benchlab caption-eval` end to end: coco-caption files in, table and metrics JSON out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.scoring.caption import score_captions

runner = CliRunner()
NAMES = ["Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr"]

REFERENCES = {
    1: ["A dog runs across the park.", "A brown dog running on grass."],
    2: ["A man rides a red bicycle.", "Someone riding a bike down the street."],
    3: ["Two cats sleep on a sofa.", "A pair of cats sleeping on a couch."],
    4: ["A plate of food on a table.", "Dinner served on a white plate."],
}
CANDIDATES = {
    1: "A dog running in a park.",
    2: "A man riding a bike.",
    3: "Cats on a couch.",
    4: "Food.",
}


def _write(tmp_path: Path, candidates: object, references: object) -> tuple[Path, Path]:
    cand = tmp_path / "candidates.json"
    refs = tmp_path / "refs.json"
    cand.write_text(json.dumps(candidates), encoding="utf-8")
    refs.write_text(json.dumps(references), encoding="utf-8")
    return cand, refs


def _coco(references: dict[int, list[str]]) -> dict:
    annotations = [
        {"id": n, "image_id": image, "caption": caption}
        for n, (image, caption) in enumerate(
            (image, caption) for image, captions in references.items() for caption in captions
        )
    ]
    return {"images": [{"id": i} for i in references], "annotations": annotations}


def _results(candidates: dict[int, str]) -> list[dict]:
    return [{"image_id": image, "caption": caption} for image, caption in candidates.items()]


def test_caption_eval_prints_and_writes_every_metric(tmp_path: Path) -> None:
    cand, refs = _write(tmp_path, _results(CANDIDATES), _coco(REFERENCES))
    out = tmp_path / "metrics.json"
    args = ["caption-eval", str(cand), "--refs", str(refs), "--output", str(out), "--no-meteor"]
    result = runner.invoke(app, [*args, "--resamples", "200"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text())
    assert list(written) == ["metrics"] and list(written["metrics"]) == NAMES
    expected = score_captions(CANDIDATES, REFERENCES, meteor=False).corpus
    for name in NAMES:
        metric = written["metrics"][name]
        assert set(metric) == {"value", "ci_low", "ci_high", "n"}
        assert metric["value"] == pytest.approx(expected[name], abs=1e-12)
        assert metric["ci_low"] <= metric["value"] <= metric["ci_high"]
        assert metric["n"] == 4
        assert name in result.output


def test_caption_eval_scores_only_the_candidates_images(tmp_path: Path) -> None:
    extra = {**REFERENCES, 9: ["An image nobody captioned."]}
    cand, refs = _write(tmp_path, _results(CANDIDATES), _coco(extra))
    out = tmp_path / "metrics.json"
    args = ["caption-eval", str(cand), "--refs", str(refs), "--output", str(out), "--no-meteor"]
    assert runner.invoke(app, args).exit_code == 0
    cider = json.loads(out.read_text())["metrics"]["CIDEr"]["value"]
    assert cider == pytest.approx(
        score_captions(CANDIDATES, REFERENCES, meteor=False).corpus["CIDEr"]
    )


BAD_INPUTS = [
    ({"image_id": 1}, _coco(REFERENCES), "candidates.json", "expected a JSON list"),
    ([{"image_id": 1, "caption": "x"}, {"image_id": 2}], _coco(REFERENCES), "row 1", '"caption"'),
    ([{"caption": "x"}], _coco(REFERENCES), "row 0", '"image_id"'),
    ([{"image_id": 1, "caption": 5}], _coco(REFERENCES), "row 0", "expected a string"),
    (
        [{"image_id": 1, "caption": "a"}, {"image_id": 1, "caption": "b"}],
        _coco(REFERENCES),
        "row 1",
        "repeats",
    ),
    ([{"image_id": 7, "caption": "a"}], _coco(REFERENCES), "row 0", "no reference caption"),
    ([{"image_id": "1", "caption": "a"}], _coco(REFERENCES), "row 0", "in type too"),
    ([], _coco(REFERENCES), "candidates.json", "empty"),
    (_results(CANDIDATES), {"images": []}, "refs.json", '"annotations"'),
    (_results(CANDIDATES), {"annotations": [{"image_id": 1}]}, "annotations[0]", '"caption"'),
]


@pytest.mark.parametrize(("candidates", "references", "where", "what"), BAD_INPUTS)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, candidates: object, references: object, where: str, what: str
) -> None:
    cand, refs = _write(tmp_path, candidates, references)
    out = tmp_path / "metrics.json"
    out.write_text("previous results\n")
    args = ["caption-eval", str(cand), "--refs", str(refs), "--output", str(out), "--no-meteor"]
    result = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert where in result.output and what in result.output
    assert out.read_text() == "previous results\n"


def test_malformed_json_and_missing_file_exit_2(tmp_path: Path) -> None:
    cand, refs = _write(tmp_path, _results(CANDIDATES), _coco(REFERENCES))
    cand.write_text("[{not json", encoding="utf-8")
    result = runner.invoke(app, ["caption-eval", str(cand), "--refs", str(refs)])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    missing = tmp_path / "absent.json"
    result = runner.invoke(app, ["caption-eval", str(missing), "--refs", str(refs)])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_meteor_is_absent_without_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    cand, refs = _write(tmp_path, _results(CANDIDATES), _coco(REFERENCES))
    out = tmp_path / "metrics.json"
    args = ["caption-eval", str(cand), "--refs", str(refs), "--output", str(out)]
    result = runner.invoke(app, [*args, "--resamples", "50"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "METEOR" not in json.loads(out.read_text())["metrics"]
    assert "METEOR not computed" in result.output
    jar = tmp_path / "meteor-1.5.jar"
    jar.write_bytes(b"")
    result = runner.invoke(app, [*args, "--meteor-jar", str(jar)], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "needs Java" in result.output
