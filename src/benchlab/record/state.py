"""What state an experiment is in, and why a finished one no longer counts (stale).

An experiment is complete only when its record was made from the same inputs the plan names
now: the same resolved spec (spec_hash), the same data files (content hash of each) and the
same model (content hash of a local folder, or hub id and revision). Anything else is stale,
with a reason a user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from benchlab.record.layout import ExperimentFiles
from benchlab.record.marker import marker_is_live, read_marker

__all__ = ["ExperimentState", "StateReport", "experiment_state", "stale_reason"]

ExperimentState = Literal["complete", "failed", "running", "pending", "stale"]


@dataclass(frozen=True)
class StateReport:
    """A state, with the reason when it is stale."""

    state: ExperimentState
    reason: str = ""


def _short(value: Any) -> str:
    text = str(value)
    return text[:12] if len(text) > 16 else text


def stale_reason(results: dict[str, Any], expected: dict[str, Any]) -> str:
    """Why a complete record does not describe the planned experiment ('' when it does).

    `expected` is the experiment's entry of run.json; checks it does not carry are skipped.
    """
    want_hash = expected.get("spec_hash")
    if want_hash is not None and results.get("spec_hash") != want_hash:
        return "spec changed"
    want = expected.get("inputs")
    if not isinstance(want, dict):
        return ""
    have = (results.get("provenance") or {}).get("inputs")
    if not isinstance(have, dict):
        return "record has no input fingerprints (written by an older benchlab)"
    want_data, have_data = want.get("data") or {}, have.get("data") or {}
    for name in sorted(set(want_data) | set(have_data)):
        if name not in have_data:
            return f"data file {name} added"
        if name not in want_data:
            return f"data file {name} no longer read"
        if want_data[name] != have_data[name]:
            return f"data file {name} changed"
    if want.get("model") != have.get("model"):
        return f"model changed ({_short(have.get('model'))} -> {_short(want.get('model'))})"
    return ""


def experiment_state(files: ExperimentFiles, expected: dict[str, Any] | None = None) -> StateReport:
    """complete / stale (with why) / running / failed / pending, from the files on disk."""
    results = files.read_results()
    if results is not None and results.get("status") == "complete":
        reason = stale_reason(results, expected or {})
        return StateReport("stale", reason) if reason else StateReport("complete")
    marker = read_marker(files.running)
    if marker is not None and marker_is_live(marker):
        return StateReport("running")
    if files.failure.exists():
        return StateReport("failed")
    return StateReport("pending")
