"""The captioning study's targets in the report: latency per description against < 500 ms, and
a note when captions run far longer than their references (CIDEr's length penalty)."""

from __future__ import annotations

from typing import Any

from benchlab.report.html_page import paragraphs, table
from benchlab.report.records import ExperimentRecord

__all__ = ["LATENCY_TARGET_MS", "LENGTH_NOTE_RATIO", "caption_target_rows", "caption_targets_html"]

#: The seed study's target: one description in under 500 ms (p50 at batch size 1).
LATENCY_TARGET_MS = 500.0
#: Captions this many times longer (in PTB tokens) than the references get a note.
LENGTH_NOTE_RATIO = 2.0


def _caption_records(records: list[ExperimentRecord]) -> list[ExperimentRecord]:
    return [r for r in records if r.complete and (r.results or {}).get("task_family") == "caption"]


def caption_target_rows(records: list[ExperimentRecord]) -> list[dict[str, Any]]:
    """One row per complete caption experiment: p50 / p95 ms, the target, met or not."""
    rows = []
    for record in _caption_records(records):
        latency = record.cost.get("latency_ms") or {}
        p50, p95 = latency.get("p50"), latency.get("p95")
        ratio = (record.metrics.get("length_ratio") or {}).get("value")
        rows.append(
            {
                "experiment": record.experiment_id,
                "p50 ms": None if p50 is None else round(p50, 1),
                "p95 ms": None if p95 is None else round(p95, 1),
                "target": f"< {LATENCY_TARGET_MS:.0f} ms per description",
                "meets target (p50)": ""
                if p50 is None
                else ("yes" if p50 < LATENCY_TARGET_MS else "no"),
                "caption/reference length": None if ratio is None else round(ratio, 2),
            }
        )
    return rows


def caption_targets_html(records: list[ExperimentRecord]) -> str:
    """The report section ('' when the run has no caption experiment)."""
    rows = caption_target_rows(records)
    if not rows:
        return ""
    notes = [
        f"{row['experiment']}: captions are {row['caption/reference length']}x as long as the "
        "references; CIDEr's length penalty pulls long captions towards 0 (ask for one short "
        "sentence or lower max_new_tokens)."
        for row in rows
        if (row["caption/reference length"] or 0) >= LENGTH_NOTE_RATIO
    ]
    return (
        '<h2 id="captioning">Captioning targets</h2><p class="note">Latency is the backend '
        "alone describing one image at batch size 1 (p50 / p95 over the latency examples), "
        f"against the study's target of under {LATENCY_TARGET_MS:.0f} ms per description. "
        "Caption metrics' CIs resample images with CIDEr's document frequencies fixed to the "
        "full evaluated corpus.</p>"
        + table(rows, text_columns=["experiment", "target", "meets target (p50)"])
        + paragraphs(notes, "flag")
    )
