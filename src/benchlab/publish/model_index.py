"""The card's machine-readable results: the `model-index` metadata and `.eval_results/` files.

model-index (the Hub's older format, also read by Papers with Code) gets every headline metric
of every experiment that evaluated the published weights, each value exactly as results.json
holds it; the CI and n go into the metric's display name. `.eval_results/*.yaml` (the Hub's
newer format) only accepts datasets the Hub has registered as benchmarks, so a file is written
only for those, with the value in percent as the Hub's leaderboards show it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from benchlab.report.records import ExperimentRecord

__all__ = [
    "HUB_BENCHMARKS",
    "eval_result_files",
    "hub_dataset",
    "model_index_results",
    "task_type",
]

#: (dataset id, config) -> task_id of datasets the Hub lists as Benchmarks (docs/hub/eval-results).
HUB_BENCHMARKS: dict[tuple[str, str | None], str] = {
    ("Idavidrein/gpqa", "gpqa_diamond"): "gpqa_diamond",
}
_TASK_TYPES = {
    "classification": ("text-classification", "Text Classification"),
    "multiple_choice": ("multiple-choice", "Multiple Choice"),
    "caption": ("image-to-text", "Image-to-Text"),
}
_METRIC_TYPES = {"acc": "accuracy", "mcc": "matthews_correlation"}


def task_type(record: ExperimentRecord) -> tuple[str, str]:
    """The Hub task id and pretty name of the experiment's task family."""
    family = str((record.results or {}).get("task_family") or "")
    return _TASK_TYPES.get(family, ("text-generation", "Text Generation"))


def hub_dataset(record: ExperimentRecord) -> dict[str, Any] | None:
    """{id, config, split} of the evaluated data when it came from the Hub (None: local file)."""
    options = (((record.results or {}).get("provenance") or {}).get("task") or {}).get(
        "options"
    ) or {}
    evaluated = options.get("eval")
    if not isinstance(evaluated, dict):
        return None
    path = str(evaluated.get("path") or "")
    parts = path.split("/")
    if len(parts) != 2 or not all(parts) or path.startswith((".", "~", "builtin:")):
        return None
    if path.endswith((".json", ".jsonl", ".csv", ".tsv", ".gz", ".parquet")):
        return None
    return {"id": path, "config": evaluated.get("name"), "split": evaluated.get("split")}


def _finite(metric: dict[str, Any]) -> bool:
    value = metric.get("value")
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _display_name(name: str, metric: dict[str, Any]) -> str:
    low, high, n = metric.get("ci_low"), metric.get("ci_high"), metric.get("n")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        return f"{name} (95% CI {low:.4f}-{high:.4f}, n={n})"
    return f"{name} (n={n})"


def model_index_results(records: tuple[ExperimentRecord, ...]) -> list[Any]:
    """EvalResults: one per headline metric of each experiment, the value as measured."""
    from huggingface_hub import EvalResult

    results = []
    for record in records:
        kind, pretty = task_type(record)
        dataset = hub_dataset(record) or {}
        for name, metric in record.headline_metrics.items():
            if not _finite(metric):
                continue
            results.append(
                EvalResult(
                    task_type=kind,
                    task_name=pretty,
                    dataset_type=dataset.get("id") or record.task,
                    dataset_name=record.task,
                    dataset_config=dataset.get("config"),
                    dataset_split=dataset.get("split"),
                    metric_type=_METRIC_TYPES.get(name, name),
                    metric_value=metric["value"],
                    metric_name=_display_name(name, metric),
                )
            )
    return results


def eval_result_files(
    records: tuple[ExperimentRecord, ...], repo_url: str
) -> dict[str, list[dict[str, Any]]]:
    """`.eval_results/<task>.yaml` contents for experiments on Hub-registered benchmarks."""
    files = {}
    for record in records:
        dataset = hub_dataset(record)
        if dataset is None:
            continue
        task_id = HUB_BENCHMARKS.get((dataset["id"], dataset["config"]))
        name = record.primary_metric
        metric = record.metrics.get(name or "", {})
        if task_id is None or not _finite(metric):
            continue
        entry: dict[str, Any] = {
            "dataset": {"id": dataset["id"], "task_id": task_id},
            "value": float(Decimal(repr(float(metric["value"]))).scaleb(2)),
            "source": {"url": repo_url, "name": "benchlab run"},
            "notes": f"{name}, n={metric.get('n')}, 95% CI {metric.get('ci_low')}-"
            f"{metric.get('ci_high')} (fraction scale)",
        }
        finished = (record.results or {}).get("finished_at")
        if finished:
            entry["date"] = str(finished)
        files[f"{record.task}.yaml"] = [entry]
    return files
