"""The comparison table: one row per experiment with every metric, its CI and n, and costs."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from benchlab.runner.atomic import write_text_atomic
from benchlab.runner.layout import RunLayout

__all__ = ["comparison_rows", "write_comparison_csv"]


def comparison_rows(layout: RunLayout) -> list[dict[str, Any]]:
    """Flat rows for every experiment of a run, complete or not."""
    rows = []
    for experiment_id in layout.experiment_ids():
        files = layout.experiment(experiment_id)
        results = files.read_results() or {}
        row: dict[str, Any] = {"experiment": experiment_id, "state": files.state()}
        if results.get("status") == "complete":
            training = results.get("training") or {}
            cost = results.get("cost") or {}
            row.update(
                model=results["model"],
                task=results["task"],
                mode=results["mode"],
                n=results["n_eval"],
                train_seconds=training.get("train_seconds"),
                trainable_percent=training.get("trainable_percent"),
                latency_p50_ms=cost.get("latency_ms", {}).get("p50"),
                latency_p95_ms=cost.get("latency_ms", {}).get("p95"),
                throughput_per_s=cost.get("throughput_examples_per_second"),
                peak_rss_mb=cost.get("peak_rss_mb"),
                peak_gpu_mb=cost.get("peak_gpu_mb"),
            )
            for name, metric in results["metrics"].items():
                row[name] = metric["value"]
                row[f"{name}_ci_low"] = metric["ci_low"]
                row[f"{name}_ci_high"] = metric["ci_high"]
                row[f"{name}_n"] = metric["n"]
        rows.append(row)
    return rows


def write_comparison_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows with the union of their columns, in first-seen order."""
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())
