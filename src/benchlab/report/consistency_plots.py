"""Consistency figures as PNG bytes: how often samples agree, and maj@k / pass@k against k.

Matplotlib runs headless (Agg) and is imported inside each function.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from benchlab.scoring.consistency import ItemConsistency
from benchlab.scoring.consistency_summary import ConsistencySummary

__all__ = ["agreement_counts", "agreement_histogram_png", "maj_at_k_png"]


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


def agreement_counts(items: Sequence[ItemConsistency]) -> list[int]:
    """Items per agreement level j / M for j = 0..M (M samples per item)."""
    m = len(items[0].answers)
    counts = [0] * (m + 1)
    for item in items:
        counts[round(item.agreement * m)] += 1
    return counts


def agreement_histogram_png(items: Sequence[ItemConsistency], title: str = "") -> bytes:
    """Bars of how many items reach each agreement level (share of samples giving the majority)."""
    counts = agreement_counts(items)
    m = len(counts) - 1
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.bar([f"{j}/{m}" for j in range(m + 1)], counts, color="#4c72b0")
    axes.set_xlabel("agreement (samples giving the majority answer)")
    axes.set_ylabel("items")
    axes.set_title(title or f"Answer agreement over {m} samples, {len(items)} items")
    figure.tight_layout()
    return _png(figure)


def maj_at_k_png(summary: ConsistencySummary, title: str = "") -> bytes:
    """maj@k and pass@k against k with 95% CI whiskers; greedy accuracy as a dashed line."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.5))
    ks = list(range(1, summary.n_samples + 1))
    series = [
        ("maj@k", "#4c72b0", list(summary.maj_at_k)),
        ("pass@k", "#55a868", [summary.pass_at_k[k] for k in ks]),
    ]
    for name, colour, estimates in series:
        values = [e.value for e in estimates]
        whiskers = [
            [v - e.interval.low for v, e in zip(values, estimates, strict=True)],
            [e.interval.high - v for v, e in zip(values, estimates, strict=True)],
        ]
        axes.errorbar(ks, values, yerr=whiskers, marker="o", capsize=3, color=colour, label=name)
    if summary.greedy_accuracy is not None:
        axes.axhline(summary.greedy_accuracy.value, ls="--", color="#c44e52", label="greedy")
    axes.set_xlabel("k (samples)")
    axes.set_ylabel("accuracy")
    axes.set_ylim(-0.02, 1.02)
    axes.set_xticks(ks)
    axes.legend(loc="lower right")
    axes.set_title(title or f"Majority vote and pass@k, {summary.n_items} items")
    figure.tight_layout()
    return _png(figure)
