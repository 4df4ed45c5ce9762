"""Per-item columns of two experiments aligned on example id, and the metrics to recompute on them.

A paired test needs both systems' outputs on the same items, so predictions are joined on
their `id`. Classification predictions carry gold and predicted label indices, which lets
every classification metric be recomputed on a resample; other task families are compared
on per-item correctness, which is the metric itself whenever the metric is a mean of it.
Tasks without a verdict per item (captions) are compared on their per-item scores (each
image's CIDEr, ROUGE_L) wherever the reported metric is the mean of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchlab.report.records import ExperimentRecord
from benchlab.scoring.classification import classification_metrics

__all__ = ["AlignedPair", "MetricSpec", "align", "paired_metric_specs"]


@dataclass(frozen=True, eq=False)
class AlignedPair:
    """Predictions of reference A and candidate B on their shared example ids, same order."""

    ids: list[str]
    a: list[dict[str, Any]]
    b: list[dict[str, Any]]

    @property
    def n(self) -> int:
        """Number of shared items."""
        return len(self.ids)

    def correctness(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-item 0/1 correctness of A and B, or None when some item has no verdict."""
        a = [row.get("correct") for row in self.a]
        b = [row.get("correct") for row in self.b]
        if any(not isinstance(x, bool) for x in a + b):
            return None
        return np.array(a, dtype=bool), np.array(b, dtype=bool)


@dataclass(frozen=True, eq=False)
class MetricSpec:
    """How to recompute one metric for a paired bootstrap: statistic(gold, pred) or (scores)."""

    name: str
    statistic: Callable[..., Any]
    pred_a: np.ndarray
    pred_b: np.ndarray
    gold: np.ndarray | None
    #: A 0-1 share (accuracy, F1): differences read in percentage points. A per-item score
    #: (CIDEr, similarity) is not one, and keeps its own units.
    proportion: bool = True


def align(a: ExperimentRecord, b: ExperimentRecord) -> AlignedPair:
    """Join two experiments' predictions on example id (A's order; duplicates keep the first)."""
    b_by_id: dict[str, dict[str, Any]] = {}
    for row in b.predictions:
        b_by_id.setdefault(str(row.get("id")), row)
    ids, rows_a, rows_b, seen = [], [], [], set()
    for row in a.predictions:
        key = str(row.get("id"))
        if row.get("id") is None or key in seen or key not in b_by_id:
            continue
        seen.add(key)
        ids.append(key)
        rows_a.append(row)
        rows_b.append(b_by_id[key])
    return AlignedPair(ids, rows_a, rows_b)


def _mean_over_items(scores: np.ndarray) -> Any:
    """Mean over the last axis: vectorised, so resamples are evaluated in batches."""
    return scores.mean(axis=-1)


def _label_indices(pair: AlignedPair) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    keys = ("gold_index", "prediction_index")
    rows = pair.a + pair.b
    if not rows or any(not isinstance(row.get(k), int) for row in rows for k in keys):
        return None
    gold_a = np.array([row["gold_index"] for row in pair.a])
    gold_b = np.array([row["gold_index"] for row in pair.b])
    if not np.array_equal(gold_a, gold_b):
        return None
    pred_a = np.array([row["prediction_index"] for row in pair.a])
    pred_b = np.array([row["prediction_index"] for row in pair.b])
    return gold_a, pred_a, pred_b


def _num_labels(a: ExperimentRecord, indices: tuple[np.ndarray, ...]) -> int:
    """Labels of the task: named in provenance, scored per prediction, or at least those seen.

    A label absent from the shared items still counts, so macro F1 is recomputed over the same
    classes as the experiment's own metric.
    """
    largest = int(max(int(x.max()) for x in indices)) + 1
    scored = max((len(row.get("scores") or {}) for row in a.predictions[:1]), default=0)
    return max(len(a.label_names), scored, largest)


def paired_metric_specs(
    a: ExperimentRecord, b: ExperimentRecord, pair: AlignedPair
) -> list[MetricSpec]:
    """The metrics both experiments report that can be recomputed item by item.

    Accuracy (and any metric equal to mean correctness) is bootstrapped as a vectorised mean
    of the correctness columns; F1 and MCC are recomputed from label indices.
    """
    if pair.n == 0:
        return []
    shared = [name for name in a.metrics if name in b.metrics]
    correct = pair.correctness()
    indices = _label_indices(pair)
    specs: list[MetricSpec] = []
    if indices is not None:
        functions = classification_metrics(_num_labels(a, indices))
        gold, pred_a, pred_b = indices
        for name in shared:
            if name == "accuracy" and correct is not None:
                specs.append(MetricSpec(name, _mean_over_items, *_as_float(correct), None))
            elif name in functions:
                specs.append(MetricSpec(name, functions[name], pred_a, pred_b, gold))
        return specs
    if correct is None:
        return _per_item_score_specs(a, b, pair, shared)
    for name in shared:
        if _is_mean_correct(a, name, a.predictions) and _is_mean_correct(b, name, b.predictions):
            specs.append(MetricSpec(name, _mean_over_items, *_as_float(correct), None))
    return specs


def _per_item_score_specs(
    a: ExperimentRecord, b: ExperimentRecord, pair: AlignedPair, shared: list[str]
) -> list[MetricSpec]:
    """Metrics whose value is the mean of a per-item score both experiments record."""
    specs = []
    for name in shared:
        scores_a = [row.get(name) for row in pair.a]
        scores_b = [row.get(name) for row in pair.b]
        if not all(_is_number(x) for x in scores_a + scores_b):
            continue
        if _is_mean_of(a, name, a.predictions) and _is_mean_of(b, name, b.predictions):
            columns = np.array(scores_a, dtype=float), np.array(scores_b, dtype=float)
            specs.append(MetricSpec(name, _mean_over_items, *columns, None, proportion=False))
    return specs


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_mean_of(record: ExperimentRecord, name: str, rows: list[dict[str, Any]]) -> bool:
    """Whether the reported metric equals the mean of the per-item scores of that name."""
    value = record.metrics.get(name, {}).get("value")
    scores = [row.get(name) for row in rows]
    if value is None or not scores or not all(_is_number(x) for x in scores):
        return False
    return math.isclose(float(value), sum(scores) / len(scores), rel_tol=1e-6, abs_tol=1e-9)


def _as_float(correct: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return correct[0].astype(float), correct[1].astype(float)


def _is_mean_correct(record: ExperimentRecord, name: str, rows: list[dict[str, Any]]) -> bool:
    """Whether the reported metric equals the share of items marked correct."""
    value = record.metrics.get(name, {}).get("value")
    verdicts = [row.get("correct") for row in rows]
    if value is None or not verdicts or any(not isinstance(v, bool) for v in verdicts):
        return False
    return math.isclose(float(value), sum(verdicts) / len(verdicts), abs_tol=1e-6)
