"""The tiny VLM through the matrix: shapes captions (with MiniLM similarity) and shapes MMBench."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from benchlab.quickstart.resources import minilm_available
from benchlab.report.build import build_report
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan

IDS = [
    "tiny-vlm_shapes-captions_zero-shot",
    "tiny-vlm_shapes-mcq_zero-shot",
    "tiny-vlm_shapes-mcq-ll_zero-shot",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    similarity = "builtin:minilm" if minilm_available() else None
    config = {
        "name": "vlm-test",
        "seeds": [42],
        "models": [{"name": "tiny-vlm", "path": "builtin:tiny-vlm", "kind": "vlm"}],
        "tasks": [
            {
                "name": "shapes-captions",
                "type": "caption",
                "references": "builtin:shapes-captions/eval.json",
                "images": "builtin:shapes-images/eval",
                "max_new_tokens": 8,
                "similarity_model": similarity,
            },
            {"name": "shapes-mcq", "type": "mmbench", "path": "builtin:shapes-mcq/eval.tsv"},
            {
                "name": "shapes-mcq-ll",
                "type": "mmbench",
                "path": "builtin:shapes-mcq/eval.tsv",
                "scoring": "likelihood",
            },
        ],
        "modes": [{"name": "zero-shot", "type": "zero_shot"}],
        "profiles": {
            "full": {"max_eval_examples": 12, "latency_examples": 3, "bootstrap_resamples": 200}
        },
    }
    path = tmp_path_factory.mktemp("config") / "vlm.yaml"
    path.write_text(yaml.safe_dump(config))
    out = tmp_path_factory.mktemp("run")
    summary = run_plan(load_plan(path), out)
    assert summary.states == dict.fromkeys(IDS, "complete"), summary.errors
    build_report(out)
    return out


def _files(run_dir: Path, experiment: str) -> tuple[dict, list[dict]]:
    folder = run_dir / "experiments" / experiment
    results = json.loads((folder / "results.json").read_text())
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    return results, rows


def test_captions_are_scored_with_cis_latency_and_similarity(run_dir: Path) -> None:
    results, rows = _files(run_dir, IDS[0])
    metrics = results["metrics"]
    for name in ("CIDEr", "Bleu_1", "Bleu_4", "ROUGE_L", "length_ratio"):
        value = metrics[name]
        assert value["n"] == 12
        assert value["ci_low"] <= value["value"] <= value["ci_high"]
    assert results["cost"]["latency_ms"]["n"] == 3
    assert list(results["passes"]) == ["evaluate", "scoring_model", "latency"]
    assert len(rows) == 12 and all(len(r["gold"]) == 5 and "CIDEr" in r for r in rows)
    if minilm_available():
        assert -1 <= metrics["semantic_max"]["value"] <= 1
        assert all(r["semantic_max"] >= r["semantic_mean"] for r in rows)
        assert results["passes"]["scoring_model"]["model"] == "builtin:minilm"
    report = (run_dir / "analysis" / "report.html").read_text()
    assert "Captioning targets" in report and "500 ms per description" in report


def test_mmbench_runs_circularly_by_generation_and_by_likelihood(run_dir: Path) -> None:
    for experiment, rules in (
        (IDS[1], None),
        (IDS[2], {"loglikelihood", "loglikelihood_tie"}),
    ):
        results, rows = _files(run_dir, experiment)
        accuracy = results["metrics"]["accuracy"]
        assert accuracy["n"] == len(rows) == 12
        assert accuracy["value"] == sum(r["correct"] for r in rows) / 12
        assert any(name.startswith("accuracy/") for name in results["metrics"])
        for row in rows:
            assert len(row["copies"]) >= 2  # rotated copies asked
            assert row["correct"] == all(c["correct"] for c in row["copies"])
            if rules is not None:
                assert {c["rule"] for c in row["copies"]} <= rules
