"""Accuracy, F1 and Matthews correlation for label predictions, defined as scikit-learn does.

Written on confusion counts in numpy so that a 1000-resample bootstrap stays cheap.
"""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "classification_metrics", "f1", "matthews_corrcoef"]


def _confusion(gold: np.ndarray, pred: np.ndarray, num_labels: int) -> np.ndarray:
    """Confusion matrix with gold labels in rows and predictions in columns."""
    index = gold.astype(np.int64) * num_labels + pred.astype(np.int64)
    counts = np.bincount(index, minlength=num_labels * num_labels)
    return counts.reshape(num_labels, num_labels)


def accuracy(gold: np.ndarray, pred: np.ndarray) -> float:
    """Share of exact matches."""
    return float(np.mean(np.asarray(gold) == np.asarray(pred)))


def f1(gold: np.ndarray, pred: np.ndarray, num_labels: int) -> float:
    """Binary F1 of label 1 for two classes, macro F1 over all labels otherwise.

    A label with no gold and no predicted items contributes 0, as scikit-learn's
    `zero_division=0` does; macro averages over every label in `range(num_labels)` that
    appears in gold or predictions, like scikit-learn's default `labels`.
    """
    gold, pred = np.asarray(gold), np.asarray(pred)
    matrix = _confusion(gold, pred, num_labels)
    true_pos = np.diag(matrix).astype(float)
    denom = matrix.sum(axis=0) + matrix.sum(axis=1)
    per_label = np.divide(2 * true_pos, denom, out=np.zeros_like(true_pos), where=denom > 0)
    if num_labels == 2:
        return float(per_label[1])
    present = denom > 0
    return float(per_label[present].mean()) if present.any() else 0.0


def matthews_corrcoef(gold: np.ndarray, pred: np.ndarray, num_labels: int) -> float:
    """Multiclass Matthews correlation (Gorodkin's R_K), 0 when undefined."""
    matrix = _confusion(np.asarray(gold), np.asarray(pred), num_labels).astype(float)
    gold_totals, pred_totals = matrix.sum(axis=1), matrix.sum(axis=0)
    n, correct = matrix.sum(), np.trace(matrix)
    cov_yp = correct * n - gold_totals @ pred_totals
    cov_pp = n * n - pred_totals @ pred_totals
    cov_yy = n * n - gold_totals @ gold_totals
    if cov_pp * cov_yy == 0:
        return 0.0
    return float(cov_yp / np.sqrt(cov_pp * cov_yy))


def classification_metrics(num_labels: int) -> dict[str, object]:
    """The metric functions reported for a classification task, keyed by name."""
    return {
        "accuracy": accuracy,
        "f1": lambda g, p: f1(g, p, num_labels),
        "mcc": lambda g, p: matthews_corrcoef(g, p, num_labels),
    }
