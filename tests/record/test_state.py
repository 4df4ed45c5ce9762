"""An experiment is complete only when its record was made from the planned inputs."""

from __future__ import annotations

import json
from pathlib import Path

from benchlab.record.layout import ExperimentFiles
from benchlab.record.state import experiment_state, stale_reason

INPUTS = {"data": {"/d/train.jsonl": "t1", "/d/eval.jsonl": "e1"}, "model": "local-sha256:aa"}


def _results(**inputs) -> dict:
    return {
        "status": "complete",
        "spec_hash": "s1",
        "provenance": {"inputs": INPUTS | inputs},
    }


def test_matching_inputs_are_complete() -> None:
    assert stale_reason(_results(), {"spec_hash": "s1", "inputs": INPUTS}) == ""


def test_each_changed_input_names_itself() -> None:
    expected = {"spec_hash": "s1", "inputs": INPUTS}
    assert stale_reason(_results(), expected | {"spec_hash": "s2"}) == "spec changed"
    data = {"/d/train.jsonl": "t1", "/d/eval.jsonl": "e2"}
    assert stale_reason(_results(data=data), expected) == "data file /d/eval.jsonl changed"
    reason = stale_reason(_results(model="local-sha256:bb"), expected)
    assert reason.startswith("model changed")
    fewer = {"/d/eval.jsonl": "e1"}
    assert stale_reason(_results(data=fewer), expected) == "data file /d/train.jsonl added"
    legacy = {"status": "complete", "spec_hash": "s1", "provenance": {}}
    assert "no input fingerprints" in stale_reason(legacy, expected)


def test_checks_the_plan_does_not_carry_are_skipped() -> None:
    assert stale_reason(_results(model="other"), {"spec_hash": "s1"}) == ""
    assert stale_reason(_results(model="other"), {}) == ""


def test_state_from_files(tmp_path: Path) -> None:
    files = ExperimentFiles(tmp_path / "e")
    files.root.mkdir()
    assert experiment_state(files).state == "pending"
    files.failure.write_text(json.dumps({"error": "boom"}))
    assert experiment_state(files).state == "failed"
    files.results.write_text(json.dumps(_results()))
    assert experiment_state(files, {"inputs": INPUTS}).state == "complete"
    stale = experiment_state(files, {"inputs": INPUTS | {"model": "new"}})
    assert stale.state == "stale" and "model changed" in stale.reason
