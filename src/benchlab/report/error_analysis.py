"""Per-experiment error analysis: confusion matrix plot and a CSV of wrong predictions."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchlab.record.atomic import write_bytes_atomic, write_text_atomic

__all__ = [
    "confusion_counts",
    "error_margin",
    "refresh_error_analysis",
    "worst_errors",
    "write_error_analysis",
]


def confusion_counts(rows: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> np.ndarray:
    """Counts with gold labels in rows and predicted labels in columns."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for row in rows:
        gold, predicted = row.get("gold"), row.get("prediction")
        if gold in index and predicted in index:
            matrix[index[gold], index[predicted]] += 1
    return matrix


def _plot_confusion(matrix: np.ndarray, labels: Sequence[str], title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = 2.5 + 0.6 * len(labels)
    figure, axes = plt.subplots(figsize=(size, size * 0.85))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(title, fontsize=9)
    peak = matrix.max() or 1
    for (row, col), count in np.ndenumerate(matrix):
        colour = "white" if count > peak / 2 else "black"
        axes.text(col, row, str(count), ha="center", va="center", color=colour)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return buffer.getvalue()


def write_error_analysis(
    rows: Sequence[Mapping[str, Any]], folder: Path, *, labels: Sequence[str] | None, title: str
) -> None:
    """errors.csv for every wrong prediction (predictions.jsonl rows); confusion_matrix.png
    when labels are known."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "input", "gold", "prediction"])
    for row in rows:
        if row.get("correct") is False:
            writer.writerow([row.get(key) for key in ("id", "input", "gold", "prediction")])
    write_text_atomic(folder / "errors.csv", buffer.getvalue())
    if labels:
        matrix = confusion_counts(rows, labels)
        write_bytes_atomic(folder / "confusion_matrix.png", _plot_confusion(matrix, labels, title))


def error_margin(row: Mapping[str, Any]) -> float | None:
    """How much more the model scored its wrong answer than the gold one (None without scores)."""
    scores = row.get("scores")
    if not isinstance(scores, Mapping):
        return None
    wrong, gold = scores.get(str(row.get("prediction"))), scores.get(str(row.get("gold")))
    if not isinstance(wrong, (int, float)) or not isinstance(gold, (int, float)):
        return None
    return float(wrong) - float(gold)


def worst_errors(rows: Sequence[Mapping[str, Any]], k: int = 10) -> list[Mapping[str, Any]]:
    """The k wrong predictions the model was most confident in (file order without scores)."""
    wrong = [row for row in rows if row.get("correct") is False]

    def confidence(row: Mapping[str, Any]) -> float:
        margin = error_margin(row)
        return -math.inf if margin is None else margin

    return sorted(wrong, key=confidence, reverse=True)[:k]


def refresh_error_analysis(
    rows: Sequence[Mapping[str, Any]],
    predictions: Path,
    folder: Path,
    *,
    labels: Sequence[str] | None,
    title: str,
) -> None:
    """Write the error analysis unless it is already newer than predictions.jsonl."""
    wanted = [folder / "errors.csv"] + ([folder / "confusion_matrix.png"] if labels else [])
    try:
        source = predictions.stat().st_mtime_ns
        if all(path.stat().st_mtime_ns >= source for path in wanted):
            return
    except OSError:
        pass
    write_error_analysis(rows, folder, labels=labels, title=title)
