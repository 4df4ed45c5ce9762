"""LoRA, QLoRA and SFT of the tiny VLM through the matrix: records, reloadable adapters, traces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan

IDS = {
    mode: f"tiny-vlm_shapes-captions_{mode}"
    for mode in ("zero-shot", "lora", "qlora", "scratchpad", "sft-cot", "sft-cot-scratchpad")
}


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Any:
    """Tiny models run faster on one thread than on oversubscribed shared cores."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _config() -> dict[str, Any]:
    adapter = {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear"}
    return {
        "name": "vlm-train-test",
        "seeds": [42],
        "models": [{"name": "tiny-vlm", "path": "builtin:tiny-vlm", "kind": "vlm"}],
        "tasks": [
            {
                "name": "shapes-captions",
                "type": "caption",
                "references": "builtin:shapes-captions/eval.json",
                "images": "builtin:shapes-images/eval",
                "train_references": "builtin:shapes-captions/train.json",
                "train_images": "builtin:shapes-images/train",
                "max_new_tokens": 10,
                "similarity_model": None,
                "meteor": False,
            }
        ],
        "modes": [
            {"name": "zero-shot", "type": "zero_shot"},
            {"name": "lora", "type": "lora", **adapter, "learning_rate": 1e-2, "batch_size": 8},
            {
                "name": "qlora",
                "type": "lora",
                "quantization": "nf4",
                **adapter,
                "learning_rate": 1e-2,
                "batch_size": 8,
                "validation_fraction": 0.0,
            },
            {"name": "scratchpad", "type": "scratchpad", "max_new_tokens": 24},
            {
                "name": "sft-cot",
                "type": "sft",
                "peft": "lora",
                **adapter,
                "data": "builtin:shapes-cot/train.jsonl",
                "learning_rate": 1e-2,
                "batch_size": 8,
                "max_length": 256,
                "answer_from": "conclusion",
                "trace_max_new_tokens": 24,
            },
            {
                "name": "sft-cot-scratchpad",
                "type": "scratchpad",
                "base_mode": "sft-cot",
                "max_new_tokens": 24,
            },
        ],
        "profiles": {
            "quick": {
                "max_train_examples": 24,
                "max_eval_examples": 4,
                "max_train_steps": 4,
                "latency_examples": 1,
                "bootstrap_resamples": 100,
            }
        },
        "default_profile": "quick",
    }


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("config") / "vlm-train.yaml"
    path.write_text(yaml.safe_dump(_config(), sort_keys=False))
    out = tmp_path_factory.mktemp("run")
    summary = run_plan(load_plan(path), out)
    assert summary.states == dict.fromkeys(IDS.values(), "complete"), summary.errors
    return out


def _results(run_dir: Path, mode: str) -> tuple[dict, list[dict], Path]:
    folder = run_dir / "experiments" / IDS[mode]
    results = json.loads((folder / "results.json").read_text())
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    return results, rows, folder


def test_training_records_parameters_time_memory_and_rows(run_dir: Path) -> None:
    for mode, rows in (("lora", 24 - 2), ("qlora", 24), ("sft-cot", None)):
        results, _, folder = _results(run_dir, mode)
        training = results["training"]
        assert training["train_seconds"] > 0
        assert 0 < training["trainable_parameters"] < training["total_parameters"]
        assert results["cost"]["peak_rss_mb"] > 0
        history = json.loads((folder / "history.json").read_text())
        assert history["memory"]["model_footprint_mb"] > 0
        assert len(history["train_loss"]) >= 1
        if rows is not None:  # lora carves 10% for validation (2 of 24 images)
            assert history["train_rows"] == rows
    _, _, qlora = _results(run_dir, "qlora")
    quantization = json.loads((qlora / "history.json").read_text())["quantization"]
    assert quantization["quant_type"] == "nf4"


def test_reloaded_adapter_generates_exactly_what_the_trained_model_did(run_dir: Path) -> None:
    from benchlab.backends.registry import build_backend
    from benchlab.config.schema import ModelSpec
    from benchlab.tasks.base import EvalContext
    from benchlab.tasks.registry import build_task

    results, rows, folder = _results(run_dir, "lora")
    assert results["training"]["artifact"] == "adapter"
    options = dict(_config()["tasks"][0])
    name, kind = options.pop("name"), options.pop("type")
    for key in ("references", "images"):
        options[key] = str(resolve_builtin_data(options[key]))
    for key in ("train_references", "train_images"):
        options.pop(key)
    task = build_task(kind, name, options)
    examples = {e.id: e for e in task.load_split("eval")}
    requests = [task.requests_for(examples[r["id"]], (), EvalContext())[0] for r in rows]
    spec = {"name": "tiny-vlm", "path": "builtin:tiny-vlm", "kind": "vlm"}
    fresh = build_backend(ModelSpec(**spec, adapter=str(folder / "adapter")))
    reloaded = [result.texts[0].strip() for result in fresh.generate(requests)]
    assert reloaded == [r["prediction"] for r in rows]
    base = build_backend(ModelSpec(**spec))
    untrained = [result.texts[0].strip() for result in base.generate(requests)]
    assert untrained != reloaded  # the adapter changed what the model says


def test_sft_on_llava_cot_rows_is_scored_on_the_conclusion(run_dir: Path) -> None:
    from benchlab.scoring.reasoning_trace import parse_trace

    results, rows, _ = _results(run_dir, "sft-cot")
    assert results["training"]["shared"] is True  # trained once per run on a data file
    assert "trace_well_formed" in results["metrics"]
    for row in rows:
        assert row["extraction"] == "conclusion"
        trace = parse_trace(row["trace"])
        assert row["prediction"] == trace.answer and row["trace_valid"] == trace.valid
    _, scratch_rows, _ = _results(run_dir, "sft-cot-scratchpad")
    # same items, same model; the scratchpad's prompt carries the instruction
    assert [r["id"] for r in scratch_rows] == [r["id"] for r in rows]
    assert {r["prompt_sha256"] for r in scratch_rows}.isdisjoint(r["prompt_sha256"] for r in rows)


def test_report_tabulates_the_2x2_with_its_four_paired_comparisons(run_dir: Path) -> None:
    from benchlab.report.analysis import analyse_run

    analysis = analyse_run(run_dir)
    (grid,) = [a for a in analysis.answers if "2x2" in a.question]
    cells = [(row["prompt"], row["experiment"]) for row in grid.table]
    assert cells == [
        ("plain prompt", IDS["zero-shot"]),
        ("scratchpad", IDS["scratchpad"]),
        ("plain prompt", IDS["sft-cot"]),
        ("scratchpad", IDS["sft-cot-scratchpad"]),
    ]
    assert all(row["value [95% CI], n"].endswith("n=4") for row in grid.table)
    assert len(grid.paragraphs) == 4  # each factor within each level of the other
    pairs = {(c.a.experiment_id, c.b.experiment_id) for c in analysis.comparisons}
    assert (IDS["sft-cot"], IDS["sft-cot-scratchpad"]) in pairs
    assert (IDS["scratchpad"], IDS["sft-cot-scratchpad"]) in pairs
