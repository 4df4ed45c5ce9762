"""The comparison table: one row per experiment with every metric, its CI and n, and costs.

Failed, pending and running experiments get a row too (state and one-line error), so the
table always accounts for the whole matrix.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from benchlab.record.atomic import write_text_atomic
from benchlab.report.records import ExperimentRecord, RunRecords
from benchlab.stats import small_sample_warning
from benchlab.stats.intervals import Interval

__all__ = ["comparison_rows", "metric_warning", "truncation_warning", "write_comparison_csv"]

BASE_COLUMNS = (
    "experiment",
    "state",
    "model",
    "model_kind",
    "task",
    "mode",
    "method",
    "n",
)


def metric_warning(metric: dict[str, Any]) -> str | None:
    """The small-sample warning of one metric entry (n < 30 or CI wider than 20 points)."""
    n, low, high = metric.get("n"), metric.get("ci_low"), metric.get("ci_high")
    if not isinstance(n, int):
        return None
    ci = (
        Interval(low, high)
        if isinstance(low, float | int) and isinstance(high, float | int)
        else None
    )
    return small_sample_warning(n, ci)


def metric_warnings(metrics: dict[str, dict[str, Any]]) -> str:
    """Each metric's small-sample warning, metrics sharing one message named together."""
    grouped: dict[str, list[str]] = {}
    for name, metric in metrics.items():
        text = metric_warning(metric)
        if text:
            grouped.setdefault(text, []).append(name)
    return "; ".join(f"{', '.join(names)}: {text}" for text, names in grouped.items())


def truncation_warning(record: ExperimentRecord) -> str | None:
    """The flag of an experiment whose prompts were cut to fit max_length (never silent)."""
    results = record.results or {}
    count = results.get("truncated_prompts") or 0
    if not count:
        return None
    return (
        f"{count} of {results.get('n_eval', '?')} prompts were cut from the left to fit the "
        "model's max_length (marked `truncated` in predictions.jsonl); raise max_length"
    )


def _row(record: ExperimentRecord) -> dict[str, Any]:
    row: dict[str, Any] = {
        "experiment": record.experiment_id,
        "state": record.state,
        "model": record.model,
        "model_kind": record.model_kind,
        "task": record.task,
        "mode": record.mode,
        "method": record.method or (record.spec.get("mode") or {}).get("type", ""),
        "n": (record.results or {}).get("n_eval"),
    }
    if not record.complete:
        row["error"] = record.error or ""
        return row
    for name, metric in record.metrics.items():
        row[name] = metric.get("value")
        row[f"{name}_ci_low"] = metric.get("ci_low")
        row[f"{name}_ci_high"] = metric.get("ci_high")
        row[f"{name}_n"] = metric.get("n")
    training, cost = record.training, record.cost
    latency = cost.get("latency_ms") or {}
    row.update(
        train_seconds=training.get("train_seconds"),
        trainable_parameters=training.get("trainable_parameters"),
        trainable_percent=training.get("trainable_percent"),
        total_parameters=record.total_parameters,
        eval_seconds=cost.get("eval_seconds"),
        latency_p50_ms=latency.get("p50"),
        latency_p95_ms=latency.get("p95"),
        throughput_per_s=cost.get("throughput_examples_per_second"),
        peak_rss_mb=cost.get("peak_rss_mb"),
        peak_gpu_mb=cost.get("peak_gpu_mb"),
    )
    flags = (metric_warnings(record.headline_metrics), truncation_warning(record))
    row["warning"] = "; ".join(flag for flag in flags if flag)
    row["error"] = ""
    return row


def comparison_rows(run: RunRecords) -> list[dict[str, Any]]:
    """Flat rows for every experiment of a run, complete or not, in plan order."""
    return [_row(record) for record in run.experiments]


def write_comparison_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows with the union of their columns: identity first, error last."""
    columns: list[str] = list(BASE_COLUMNS)
    for row in rows:
        columns.extend(key for key in row if key not in columns and key != "error")
    columns.append("error")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())
