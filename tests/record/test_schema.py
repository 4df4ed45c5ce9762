"""schemas/results.schema.json is generated from ExperimentRecord and must not drift from it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from benchlab.record.model import ExperimentRecord
from benchlab.record.schema import main, results_schema, schema_text

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "results.schema.json"


def _record() -> dict:
    metric = {"value": 0.75, "ci_low": 0.6, "ci_high": 0.9, "n": 40, "ci_method": "bootstrap"}
    return {
        "schema_version": 1,
        "experiment_id": "m_t_zero-shot",
        "status": "complete",
        "spec_hash": "abc",
        "model": "m",
        "model_kind": "causal",
        "task": "t",
        "task_family": "classification",
        "mode": "zero-shot",
        "method": "zero_shot",
        "seed": 1,
        "profile": "quick",
        "n_eval": 40,
        "shots": 5,
        "truncated_prompts": 2,
        "metrics": {"accuracy": metric},
        "training": None,
        "cost": {
            "eval_seconds": 1.5,
            "throughput_examples_per_second": 26.7,
            "latency_ms": {"p50": 3.0, "p95": 4.0, "mean": 3.2, "n": 3},
            "total_parameters": 1000,
            "peak_rss_mb": 300.0,
            "rss_increase_mb": 2.0,
            "peak_gpu_mb": None,
        },
        "provenance": {
            "spec": {},
            "task": {},
            "model_fingerprint": "fp",
            "model_revision": None,
            "data_fingerprint": {"eval": "e"},
            "packages": {"torch": "2"},
            "git": {"commit": None, "dirty": None},
            "hardware": {},
            "inputs": {"data": {"/d/eval.jsonl": "h"}, "model": "local-sha256:1"},
        },
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:00:02+00:00",
        "labels": ["negative", "positive"],
        "passes": {},
    }


def test_checked_in_schema_is_the_generated_one() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "schemas/results.schema.json is out of date: run `python -m benchlab.record.schema`"
    )


def test_a_record_round_trips_in_key_order_and_validates() -> None:
    raw = _record()
    written = ExperimentRecord.model_validate(raw).to_json()
    assert written == raw
    assert list(written) == list(raw)
    assert list(written["cost"]) == list(raw["cost"])
    jsonschema.validate(written, results_schema())


def test_the_schema_rejects_a_missing_field_and_a_bad_value() -> None:
    schema = results_schema()
    for broken in ({"cost": None}, {"n_eval": -1}, {"status": "failed"}, {"truncated_prompts": -1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(_record() | broken, schema)
    without = _record()
    del without["provenance"]["inputs"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(without, schema)


def test_the_generator_writes_the_file(tmp_path: Path) -> None:
    assert main([str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text()) == results_schema()


def test_a_record_written_before_shots_and_truncation_were_counted_still_reads() -> None:
    older = {k: v for k, v in _record().items() if k not in ("shots", "truncated_prompts")}
    record = ExperimentRecord.model_validate(older)
    assert (record.shots, record.truncated_prompts) == (0, 0)
