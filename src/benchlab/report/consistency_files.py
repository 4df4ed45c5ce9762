"""Consistency figures for every experiment that ran the consistency pass.

Reads the experiment's consistency.jsonl, recomputes the aggregates with the record's seed
and resamples, and writes consistency_agreement.png and consistency_maj_at_k.png into the
experiment folder; the charts are also shown in report.html.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from benchlab.record.atomic import write_bytes_atomic
from benchlab.report.consistency_plots import agreement_histogram_png, maj_at_k_png
from benchlab.report.records import ExperimentRecord
from benchlab.scoring.consistency import ItemConsistency
from benchlab.scoring.consistency_summary import summarize_consistency

__all__ = ["CONSISTENCY_FILE", "read_consistency_items", "write_consistency_figures"]

CONSISTENCY_FILE = "consistency.jsonl"
_FIELDS = tuple(ItemConsistency.__dataclass_fields__)


def read_consistency_items(record: ExperimentRecord) -> list[ItemConsistency]:
    """The per-item consistency lines of one experiment ([] when it has none)."""
    path = record.files.root / CONSISTENCY_FILE
    if not path.is_file():
        return []
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        values = {key: row[key] for key in _FIELDS}
        for key in ("answers", "sample_correct", "maj_at_k_correct"):
            values[key] = tuple(values[key])
        items.append(ItemConsistency(**values))
    return items


def write_consistency_figures(records: Sequence[ExperimentRecord]) -> dict[str, bytes]:
    """Write each consistency experiment's two figures; return them keyed by file name."""
    figures: dict[str, bytes] = {}
    for record in records:
        items = read_consistency_items(record)
        if not items:
            continue
        seed = int((record.results or {}).get("seed") or 0)
        summary = summarize_consistency(items, seed=seed)
        title = record.experiment_id
        for name, png in (
            ("consistency_agreement.png", agreement_histogram_png(items, f"{title}: agreement")),
            ("consistency_maj_at_k.png", maj_at_k_png(summary, f"{title}: maj@k")),
        ):
            write_bytes_atomic(record.files.root / name, png)
            figures[f"{record.experiment_id}_{name}"] = png
    return figures
