"""The report's figures as PNG bytes: metric bars with CI whiskers, latency bars, training curves.

Matplotlib runs headless (Agg) and is imported inside each function, so importing the report
package stays cheap.
"""

from __future__ import annotations

import io
import math
from typing import Any

from benchlab.report.records import ExperimentRecord

__all__ = ["latency_bars_png", "metric_bars_png", "reward_curve_png", "training_curve_png"]

NOT_CURVES = frozenset({"step", "epoch", "runtime", "samples_per_second", "steps_per_second"})
COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    _pyplot().close(figure)
    return buffer.getvalue()


def _empty(message: str) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 1.5))
    axes.axis("off")
    axes.text(0.5, 0.5, message, ha="center", va="center")
    return _png(figure)


def _by_task(records: list[ExperimentRecord]) -> dict[str, list[ExperimentRecord]]:
    tasks: dict[str, list[ExperimentRecord]] = {}
    for record in records:
        tasks.setdefault(record.task, []).append(record)
    return tasks


def _series_names(records: list[ExperimentRecord]) -> list[str]:
    return list(dict.fromkeys(f"{r.model} / {r.mode}" for r in records))


def _grouped(
    records: list[ExperimentRecord], ylabel: str, title: str, value: Any, whiskers: Any
) -> bytes:
    """Bars grouped by task, one colour per model / mode, optional asymmetric whiskers."""
    if not records:
        return _empty("no complete experiments yet")
    plt = _pyplot()
    tasks = _by_task(records)
    series = _series_names(records)
    width = 0.8 / max(len(series), 1)
    figure, axes = plt.subplots(figsize=(max(6.0, 1.2 + 1.1 * len(records)), 4.2))
    for s_index, name in enumerate(series):
        xs, ys, lows, highs = [], [], [], []
        for t_index, members in enumerate(tasks.values()):
            for record in members:
                if f"{record.model} / {record.mode}" != name:
                    continue
                y = value(record)
                if y is None or not math.isfinite(y):
                    continue
                low, high = whiskers(record, y)
                xs.append(t_index - 0.4 + width * (s_index + 0.5))
                ys.append(y)
                lows.append(low)
                highs.append(high)
        colour = COLOURS[s_index % len(COLOURS)]
        axes.bar(xs, ys, width=width * 0.92, color=colour, label=name)
        if any(v > 0 for v in lows + highs):
            axes.errorbar(xs, ys, yerr=[lows, highs], fmt="none", ecolor="black", capsize=3)
    axes.set_xticks(range(len(tasks)), list(tasks))
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    return _png(figure)


def _headline(record: ExperimentRecord) -> dict[str, Any]:
    metrics = record.metrics
    return metrics.get("accuracy") or metrics.get(record.primary_metric or "", {})


def metric_bars_png(records: list[ExperimentRecord]) -> bytes:
    """Accuracy (else each task's first metric) per experiment with its 95% CI."""

    def value(record: ExperimentRecord) -> float | None:
        return _headline(record).get("value")

    def whiskers(record: ExperimentRecord, y: float) -> tuple[float, float]:
        metric = _headline(record)
        low, high = metric.get("ci_low"), metric.get("ci_high")
        if not isinstance(low, (int, float)) or not isinstance(high, (int, float)):
            return 0.0, 0.0
        return max(0.0, y - low), max(0.0, high - y)

    everywhere = all("accuracy" in r.metrics for r in records)
    ylabel = "accuracy" if everywhere else "accuracy, else the task's first metric"
    return _grouped(
        records, ylabel, f"{ylabel} by task (bars) with 95% CI (whiskers)", value, whiskers
    )


def latency_bars_png(records: list[ExperimentRecord]) -> bytes:
    """Latency p50 per experiment at batch size 1, whisker up to p95."""

    def value(record: ExperimentRecord) -> float | None:
        return (record.cost.get("latency_ms") or {}).get("p50")

    def whiskers(record: ExperimentRecord, y: float) -> tuple[float, float]:
        p95 = (record.cost.get("latency_ms") or {}).get("p95")
        return 0.0, max(0.0, p95 - y) if isinstance(p95, (int, float)) else 0.0

    return _grouped(
        records,
        "latency ms (p50, whisker to p95)",
        "latency per example at batch size 1",
        value,
        whiskers,
    )


def training_curve_png(record: ExperimentRecord) -> bytes | None:
    """Training loss per step (and validation metrics per evaluation), or None without history."""
    history = record.history
    train = [e for e in history.get("train_loss") or [] if "step" in e and "loss" in e]
    evaluations = history.get("eval") or []
    if not train and not evaluations:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.2))
    if train:
        axes.plot([e["step"] for e in train], [e["loss"] for e in train], label="train loss")
    keys = dict.fromkeys(k for e in evaluations for k in e if k not in NOT_CURVES)
    for key in keys:
        points = [(e["step"], e[key]) for e in evaluations if isinstance(e.get(key), (int, float))]
        if points:
            axes.plot(*zip(*points, strict=True), marker="o", label=f"validation {key}")
    axes.set_xlabel("step")
    axes.set_title(f"training curve: {record.experiment_id}", fontsize=9)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return _png(figure)


def reward_curve_png(record: ExperimentRecord) -> bytes | None:
    """Preference training's rewards per logging step (chosen, rejected, margin; accuracy right).

    None when the history has no reward metrics (every mode but DPO and KTO).
    """
    steps = [e for e in record.history.get("train_metrics") or [] if "step" in e]
    names = ("rewards/chosen", "rewards/rejected", "rewards/margins")
    keys = [k for k in names if any(isinstance(e.get(k), (int, float)) for e in steps)]
    if not keys:
        return None
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.2))
    for key in keys:
        points = [(e["step"], e[key]) for e in steps if isinstance(e.get(key), (int, float))]
        axes.plot(*zip(*points, strict=True), label=key.removeprefix("rewards/"))
    axes.axhline(0.0, color="#8c8c8c", linewidth=0.8)
    axes.set_xlabel("step")
    axes.set_ylabel("implicit reward")
    accuracy = [(e["step"], e["rewards/accuracies"]) for e in steps if "rewards/accuracies" in e]
    if accuracy:
        right = axes.twinx()
        right.plot(*zip(*accuracy, strict=True), color=COLOURS[3], linestyle="--")
        right.set_ylim(0, 1)
        right.set_ylabel("chosen > rejected (share, dashed)")
    axes.set_title(f"preference rewards: {record.experiment_id}", fontsize=9)
    axes.legend(fontsize=8, loc="upper left")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return _png(figure)
