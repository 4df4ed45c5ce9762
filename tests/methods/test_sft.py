"""The sft mode: base vs SFT on a math and a multiple-choice task, from one config."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from benchlab.errors import DataError
from benchlab.methods.sft import load_sft_rows
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.helpers import write_jsonl

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "results.schema.json"


def _study(tmp_path: Path) -> Path:
    gsm = write_jsonl(
        tmp_path / "gsm.jsonl",
        [
            {
                "question": f"Sam has {i} pens and gets {i} more. How many pens?",
                "answer": f"{i} + {i} = <<{i}+{i}={2 * i}>>{2 * i}\n#### {2 * i}",
            }
            for i in range(1, 25)
        ],
    )
    mc = write_jsonl(
        tmp_path / "mc.jsonl",
        [
            {
                "question": f"Which number is {i}?",
                "choices": [str(i), str(i + 1), "none"],
                "answer": 0,
                "rationale": f"The number {i} is listed first.",
                "subject": "even" if i % 2 else "odd",
            }
            for i in range(24)
        ],
    )
    config = {
        "name": "reasoning-test",
        "models": [
            {
                "name": "tiny-llama",
                "path": "builtin:tiny-causal",
                "kind": "causal",
                "batch_size": 16,
                "max_length": 512,
            }
        ],
        "tasks": [
            {
                "name": "gsm",
                "type": "gsm8k",
                "eval": str(gsm),
                "train": str(gsm),
                "num_fewshot": 2,
                "max_new_tokens": 8,
            },
            {
                "name": "quiz",
                "type": "multiple_choice",
                "eval": str(mc),
                "train": str(mc),
                "scoring": "generate",
                "chain_of_thought": True,
                "max_new_tokens": 8,
            },
        ],
        "modes": [
            {"name": "base", "type": "zero_shot"},
            {
                "name": "sft",
                "type": "sft",
                "peft": "lora",
                "r": 4,
                "alpha": 8,
                "batch_size": 8,
                "max_length": 256,
                "learning_rate": 1e-3,
            },
        ],
        "profiles": {
            "quick": {
                "max_train_examples": 16,
                "max_eval_examples": 6,
                "max_train_steps": 2,
                "latency_examples": 1,
                "bootstrap_resamples": 100,
            }
        },
        "default_profile": "quick",
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_base_and_sft_study_runs_from_one_config(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    summary = run_plan(load_plan(_study(tmp_path)), run_dir)
    expected = {f"tiny-llama_{t}_{m}" for t in ("gsm", "quiz") for m in ("base", "sft")}
    assert summary.states == dict.fromkeys(expected, "complete"), summary.errors
    schema = json.loads(SCHEMA.read_text())
    for experiment in expected:
        folder = run_dir / "experiments" / experiment
        results = json.loads((folder / "results.json").read_text())
        jsonschema.validate(results, schema)
        if experiment.endswith("_sft"):
            assert results["training"]["artifact"] == "adapter"
            assert 0 < results["training"]["trainable_percent"] < 100
            assert (folder / "adapter" / "adapter_config.json").exists()
        if "_gsm_" in experiment:
            assert {"exact_match_strict", "exact_match_flexible"} <= set(results["metrics"])
        else:
            assert {"acc", "no_answer_count", "acc/even"} <= set(results["metrics"])
    base = json.loads((run_dir / "experiments/tiny-llama_gsm_base/results.json").read_text())
    tuned = json.loads((run_dir / "experiments/tiny-llama_gsm_sft/results.json").read_text())
    assert base["provenance"]["model_fingerprint"] != tuned["provenance"]["model_fingerprint"]


def test_local_sft_rows_are_validated(tmp_path: Path) -> None:
    good = write_jsonl(
        tmp_path / "good.jsonl",
        [
            {"prompt": "Q: 1+1?\nA:", "completion": " 1 + 1 = 2. The answer is 2."},
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "yo"},
                ]
            },
        ],
    )
    assert len(load_sft_rows(good)) == 2
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"question": "no completion"}])
    with pytest.raises(DataError, match="prompt"):
        load_sft_rows(bad)


def test_sft_on_a_data_file_trains_once_and_every_task_evaluates_that_model(
    tmp_path: Path,
) -> None:
    data = write_jsonl(
        tmp_path / "sft.jsonl",
        [
            {"prompt": f"Q: {i} + {i}?\nA:", "completion": f" {i} + {i} = {2 * i}. #### {2 * i}"}
            for i in range(12)
        ],
    )
    path = _study(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["modes"][1]["data"] = data.name  # relative to the config file
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    run_dir = tmp_path / "run"
    summary = run_plan(load_plan(path), run_dir, only="*_sft")
    assert summary.ok, summary.errors
    results = [
        json.loads((run_dir / "experiments" / f"tiny-llama_{t}_sft" / "results.json").read_text())
        for t in ("gsm", "quiz")
    ]
    (trained,) = (run_dir / "shared").iterdir()
    assert (trained / "adapter" / "adapter_config.json").is_file()
    for record in results:
        assert record["training"]["shared"] is True
        folder = run_dir / "experiments" / f"tiny-llama_{record['task']}_sft"
        assert (folder / record["training"]["artifact"]).resolve() == trained / "adapter"
        assert not (folder / "adapter").exists()
    assert results[0]["training"] == results[1]["training"]  # one training, reported by both
    fingerprints = {r["provenance"]["model_fingerprint"] for r in results}
    assert len(fingerprints) == 1
    log = next(run_dir.glob("benchmark_*.log")).read_text()
    assert "evaluating the SFT model already trained" in log


def test_rows_too_long_for_max_length_are_left_out_not_cut(tiny_causal_dir: Path) -> None:
    from transformers import AutoTokenizer

    from benchlab.methods.sft import _fitting_rows

    tokenizer = AutoTokenizer.from_pretrained(tiny_causal_dir)
    short = {"prompt": "Q: 1+1?\nA:", "completion": " 2"}
    long = {"prompt": "word " * 40, "completion": " 2"}
    chat = {"messages": [{"role": "user", "content": "hi"}]}
    length = len(tokenizer(short["prompt"] + short["completion"])["input_ids"])
    # the end-of-text token TRL appends must fit too
    assert _fitting_rows(tokenizer, [short, long, chat], length + 1) == [short, chat]
    assert _fitting_rows(tokenizer, [short], length) == []


def test_a_full_sft_model_folder_loads_as_a_model_path_with_its_tokenizer(
    tmp_path: Path,
) -> None:
    """The self-consistency loop distills from, and retrains, a run's full SFT model folder."""
    study = yaml.safe_load(_study(tmp_path).read_text())
    study["tasks"] = study["tasks"][:1]
    study["modes"] = [{**study["modes"][1], "peft": "full"}]
    first = tmp_path / "full.yaml"
    first.write_text(yaml.safe_dump(study, sort_keys=False))
    assert run_plan(load_plan(first), tmp_path / "run").ok
    folder = tmp_path / "run/experiments/tiny-llama_gsm_sft"
    assert (folder / "model" / "tokenizer.json").exists()
    study["models"][0]["path"] = str(folder / "model")
    study["modes"] = [{"name": "sft", "type": "zero_shot"}]
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(study, sort_keys=False))
    assert run_plan(load_plan(again), tmp_path / "again").ok

    def predictions(run: Path) -> list[tuple[str, str]]:
        lines = (run / "experiments/tiny-llama_gsm_sft/predictions.jsonl").read_text()
        return [(r["id"], r["generation"]) for r in map(json.loads, lines.splitlines())]

    trained = predictions(tmp_path / "run")
    assert len(trained) == 6 and any(text.strip() for _, text in trained)
    assert trained == predictions(tmp_path / "again")
