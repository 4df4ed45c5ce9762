"""Which approach is most efficient: quality per training second, per ms of latency, per GB.

These are ratios of a point estimate to a measured cost, without intervals; the quality's own
CI is in the comparison table, and two approaches whose quality is not significantly
different should be told apart by cost alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from benchlab.report.answer import Answer
from benchlab.report.records import ExperimentRecord, RunRecords
from benchlab.report.selection import headline_value, label

__all__ = ["efficiency_answer", "efficiency_rows", "peak_memory_gb"]


def peak_memory_gb(record: ExperimentRecord) -> float | None:
    """Peak GPU memory when a GPU was used, else peak resident memory, in GB."""
    cost = record.cost
    megabytes = cost.get("peak_gpu_mb") or cost.get("peak_rss_mb")
    return float(megabytes) / 1024 if megabytes else None


def _ratio(value: float, cost: float | None) -> float | None:
    if cost is None or not math.isfinite(value) or cost <= 0:
        return None
    return value / cost


def _per_train_second(record: ExperimentRecord) -> float | None:
    return _ratio(headline_value(record), record.training.get("train_seconds"))


def _per_ms(record: ExperimentRecord) -> float | None:
    return _ratio(headline_value(record), (record.cost.get("latency_ms") or {}).get("p50"))


def _per_gb(record: ExperimentRecord) -> float | None:
    return _ratio(headline_value(record), peak_memory_gb(record))


def _fmt(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}g}"


def efficiency_rows(run: RunRecords) -> list[dict[str, str]]:
    """One row per complete experiment with quality, costs and the three ratios."""
    rows = []
    for r in run.complete:
        latency = (r.cost.get("latency_ms") or {}).get("p50")
        rows.append(
            {
                "experiment": r.experiment_id,
                "task": r.task,
                "metric": r.primary_metric or "",
                "value": _fmt(headline_value(r)),
                "train s": _fmt(r.training.get("train_seconds"), 4) if r.training else "none",
                "p50 ms": _fmt(latency),
                "peak GB": _fmt(peak_memory_gb(r)),
                "per train s": _fmt(_per_train_second(r)),
                "per ms": _fmt(_per_ms(r)),
                "per GB": _fmt(_per_gb(r)),
            }
        )
    return rows


def _leader(
    records: list[ExperimentRecord], ratio: Callable[[ExperimentRecord], float | None]
) -> tuple[ExperimentRecord, float] | None:
    scored = [(r, ratio(r)) for r in records]
    valid = [(r, v) for r, v in scored if v is not None]
    return max(valid, key=lambda item: item[1]) if valid else None


def efficiency_answer(run: RunRecords) -> Answer | None:
    """Per task, the most efficient experiment on each cost axis."""
    paragraphs = []
    axes = (
        ("per training second", _per_train_second),
        ("per ms of latency (p50, batch size 1)", _per_ms),
        ("per GB of peak memory", _per_gb),
    )
    for task in run.tasks():
        records = [r for r in run.complete if r.task == task]
        parts = []
        for name, ratio in axes:
            leader = _leader(records, ratio)
            if leader is not None:
                parts.append(f"{name}: {label(leader[0])} ({leader[1]:.3g})")
        if not parts:
            continue
        metric = records[0].primary_metric or "quality"
        untrained = [label(r) for r in records if not r.training]
        note = (
            f" {', '.join(untrained)} need no training time, so they are not ranked per second."
            if untrained
            else ""
        )
        paragraphs.append(f"{task}, {metric} per unit of cost: " + "; ".join(parts) + "." + note)
    if not paragraphs:
        return None
    paragraphs.append(
        "Ratios are point estimates without intervals; when two approaches are not "
        "significantly different in quality (see the comparisons), prefer the cheaper one."
    )
    return Answer("Which approach is most efficient?", paragraphs, efficiency_rows(run))
