"""Run B against run A: every shared per-item metric, B - A, with a paired CI and a Holm test.

Experiments are paired by their (model, task, mode) names, or by fields the caller chooses, or
explicitly by id; their predictions are paired by item id. A metric is compared when both
experiments report it and it can be recomputed item by item: from the per-item column whose
mean it is (see `benchlab.report.item_scores`: accuracy, exact match, per-group metrics such
as an MMLU subject or a judge category, the judge's score), or, for F1 / MCC, from
classification label indices. Each difference gets a seeded paired bootstrap 95% CI; its
p-value is McNemar's exact test for 0/1 columns and a paired permutation test otherwise, and
Holm's correction runs over every comparison of the report. All compared metrics are read as
higher-is-better; a regression is a drop whose CI excludes 0.

When both experiments ran the consistency pass with the same samples, temperature and top-p,
its per-item statistics (consistency.jsonl, paired by item id) are compared too:
`consistency_agreement` (the majority answer's share of the samples), `consistency_sample_accuracy`
(the share of correct samples) and `consistency_majority_correct` (maj@M).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from benchlab.errors import DataError
from benchlab.record.atomic import write_json_atomic, write_text_atomic
from benchlab.report.item_scores import item_values, metric_field, rows_of_group
from benchlab.report.run_files import RunExperiment
from benchlab.scoring.classification import classification_metrics
from benchlab.stats import (
    holm_correction,
    mcnemar_exact,
    paired_bootstrap_difference,
    paired_permutation_test,
)

__all__ = [
    "MetricComparison",
    "compare_experiments",
    "compare_runs",
    "pair_experiments",
    "write_compare_files",
]

ALPHA = 0.05


@dataclass(frozen=True)
class MetricComparison:
    """One metric of one experiment pair: values, B - A, its CI and (Holm-adjusted) p-value."""

    experiment_a: str
    experiment_b: str
    task: str
    metric: str
    n: int
    value_a: float
    value_b: float
    difference: float
    ci_low: float
    ci_high: float
    test: str
    p_value: float
    p_holm: float | None = None

    @property
    def verdict(self) -> str:
        """regression / improvement when the CI excludes 0, else 'no clear change'."""
        if self.ci_high < 0:
            return "regression"
        if self.ci_low > 0:
            return "improvement"
        return "no clear change"

    def sentence(self) -> str:
        """'<task> fell 3.0 points, CI [-5.1, -0.9] excludes 0' (points: x100 for shares)."""
        scale = 100.0 if _is_share(self.value_a) and _is_share(self.value_b) else 1.0
        unit = " points" if scale == 100.0 else ""
        verb = "fell" if self.difference < 0 else "rose"
        ci = f"CI [{self.ci_low * scale:+.1f}, {self.ci_high * scale:+.1f}]"
        tail = "excludes 0" if self.verdict != "no clear change" else "includes 0"
        return (
            f"{self.task} {self.metric} {verb} {abs(self.difference) * scale:.1f}{unit}, "
            f"{ci} {tail}"
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with the verdict."""
        return {**asdict(self), "verdict": self.verdict}


def _is_share(value: float) -> bool:
    return 0.0 <= value <= 1.0


def pair_experiments(
    a: dict[str, RunExperiment],
    b: dict[str, RunExperiment],
    *,
    by: Sequence[str] = ("model", "task", "mode"),
    explicit: Sequence[tuple[str, str]] = (),
) -> list[tuple[RunExperiment, RunExperiment]]:
    """Pairs (A, B): the explicit id pairs if given, else experiments with equal `by` names."""
    if explicit:
        for position, (side, ids) in enumerate((("A", a), ("B", b))):
            unknown = [pair[position] for pair in explicit if pair[position] not in ids]
            if unknown:
                raise DataError(
                    f"--pair: run {side} has no complete experiment {unknown[0]!r}; "
                    f"choose from {sorted(ids)}"
                )
        return [(a[x], b[y]) for x, y in explicit]

    def keyed(run: dict[str, RunExperiment], side: str) -> dict[tuple[str, ...], Any]:
        keys: dict[tuple[str, ...], RunExperiment] = {}
        for experiment in run.values():
            key = tuple(experiment.name(f) for f in by)
            if key in keys:
                raise DataError(
                    f"run {side}: experiments {keys[key].experiment_id} and "
                    f"{experiment.experiment_id} share {dict(zip(by, key, strict=True))}; "
                    "add a field to --by (e.g. seed) or give --pair A_ID=B_ID"
                )
            keys[key] = experiment
        return keys

    keys_a, keys_b = keyed(a, "A"), keyed(b, "B")
    return [(keys_a[k], keys_b[k]) for k in keys_a if k in keys_b]


def _aligned(
    a: RunExperiment, b: RunExperiment
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of A and B on the item ids both have, in A's order (first row of an id wins)."""
    by_id: dict[str, dict[str, Any]] = {}
    for row in b.rows:
        if row.get("id") is not None:
            by_id.setdefault(str(row["id"]), row)
    rows_a, rows_b, seen = [], [], set()
    for row in a.rows:
        key = None if row.get("id") is None else str(row["id"])
        if key is None or key in seen or key not in by_id:
            continue
        seen.add(key)
        rows_a.append(row)
        rows_b.append(by_id[key])
    return rows_a, rows_b


def _column(rows: list[dict[str, Any]], field: str) -> np.ndarray | None:
    values = item_values(rows, field)
    return None if not values or None in values else np.array(values, dtype=float)


def _mean(scores: np.ndarray) -> Any:
    """Mean over the last axis, so resamples are evaluated in batches."""
    return scores.mean(axis=-1)


@dataclass(frozen=True, eq=False)
class _Spec:
    """How to recompute one metric on the paired items: statistic(gold, pred) or (scores)."""

    metric: str
    statistic: Callable[..., Any]
    a: np.ndarray
    b: np.ndarray
    gold: np.ndarray | None
    binary: bool


def _column_spec(
    metric: str, field: str, rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]
) -> _Spec | None:
    """Mean of a per-item column over the items of the metric's group valued on both sides."""
    group = metric.partition("/")[2]
    scoped_a, scoped_b = rows_of_group(rows_a, group), rows_of_group(rows_b, group)
    pairs = [
        (x, y)
        for x, y in zip(item_values(scoped_a, field), item_values(scoped_b, field), strict=True)
        if x is not None and y is not None
    ]
    if not pairs:
        return None
    col_a, col_b = (np.array(side, dtype=float) for side in zip(*pairs, strict=True))
    binary = bool(np.isin(np.concatenate([col_a, col_b]), [0, 1]).all())
    return _Spec(metric, _mean, col_a, col_b, None, binary)


def _metric_specs(
    a: RunExperiment, b: RunExperiment, rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]]
) -> list[_Spec]:
    """How to recompute each metric both experiments report, where it can be done per item."""
    specs: list[_Spec] = []
    keys = ("gold_index", "prediction_index")
    labels = [_column(rows, key) for rows in (rows_a, rows_b) for key in keys]
    functions = _label_functions(a, labels)
    for metric in (m for m in a.metrics if m in b.metrics):
        field = metric_field(a.metrics, a.rows, metric)
        if field is not None and field == metric_field(b.metrics, b.rows, metric):
            spec = _column_spec(metric, field, rows_a, rows_b)
            if spec is not None:
                specs.append(spec)
            continue
        if metric in functions and np.array_equal(labels[0], labels[2]):
            gold, pred_a, pred_b = labels[0], labels[1], labels[3]
            assert gold is not None and pred_a is not None and pred_b is not None
            specs.append(_Spec(metric, functions[metric], pred_a, pred_b, gold, False))
    return specs


#: consistency.jsonl field -> (compared metric, per-item value)
_CONSISTENCY: dict[str, tuple[str, Callable[[Any], float]]] = {
    "agreement": ("consistency_agreement", float),
    "sample_correct": ("consistency_sample_accuracy", lambda c: sum(map(bool, c)) / len(c)),
    "majority_correct": ("consistency_majority_correct", lambda c: float(bool(c))),
}


def _sampling(experiment: RunExperiment) -> tuple[Any, ...] | None:
    """The consistency pass's (samples, temperature, top_p), None when it did not run."""
    passes = experiment.results.get("passes") or {}
    settings = (passes.get("consistency") or {}).get("settings") or {}
    if not experiment.consistency or not settings:
        return None
    return tuple(settings.get(key) for key in ("samples", "temperature", "top_p"))


def _consistency_specs(a: RunExperiment, b: RunExperiment) -> list[_Spec]:
    """Per-item consistency statistics of both, on the items both sampled alike."""
    if _sampling(a) is None or _sampling(a) != _sampling(b):
        return []
    by_id = {str(row.get("item_id")): row for row in b.consistency}
    pairs = [(x, by_id.get(str(x.get("item_id")))) for x in a.consistency]
    pairs = [(x, y) for x, y in pairs if y is not None]
    if not pairs:
        return []
    specs = []
    for key, (metric, value) in _CONSISTENCY.items():
        col_a = np.array([value(x[key]) for x, _ in pairs], dtype=float)
        col_b = np.array([value(y[key]) for _, y in pairs], dtype=float)
        binary = bool(np.isin(np.concatenate([col_a, col_b]), [0, 1]).all())
        specs.append(_Spec(metric, _mean, col_a, col_b, None, binary))
    return specs


def _label_functions(a: RunExperiment, labels: list[np.ndarray | None]) -> dict[str, Any]:
    """F1 / MCC / accuracy on label indices, over every label the task declares or shows."""
    if any(column is None for column in labels):
        return {}
    options = (a.results.get("provenance") or {}).get("task", {}).get("options", {})
    declared = len(options.get("label_names") or [])
    seen = int(max(float(column.max()) for column in labels if column is not None)) + 1
    return classification_metrics(max(declared, seen))


def compare_experiments(
    a: RunExperiment, b: RunExperiment, *, seed: int = 0, n_resamples: int = 1000
) -> list[MetricComparison]:
    """B - A for every comparable metric of one pair (p-values not yet Holm-adjusted)."""
    rows_a, rows_b = _aligned(a, b)
    if not rows_a:
        return []
    task = a.name("task") or a.experiment_id
    found = []
    for spec in [*_metric_specs(a, b, rows_a, rows_b), *_consistency_specs(a, b)]:
        statistic, col_a, col_b, gold = spec.statistic, spec.a, spec.b, spec.gold
        boot = paired_bootstrap_difference(
            statistic, col_a, col_b, gold, n_resamples=n_resamples, seed=seed
        )
        if spec.binary:
            test, p = "mcnemar_exact", mcnemar_exact(col_a, col_b).p_value
        else:
            permutation = paired_permutation_test(
                statistic, col_a, col_b, gold, n_permutations=n_resamples, seed=seed
            )
            test, p = "paired_permutation", permutation.p_value
        value_a = float(statistic(col_a) if gold is None else statistic(gold, col_a))
        assert boot.ci is not None
        found.append(
            MetricComparison(
                a.experiment_id,
                b.experiment_id,
                task,
                spec.metric,
                len(col_a),
                value_a,
                value_a + boot.difference,
                boot.difference,
                float(boot.ci.low),
                float(boot.ci.high),
                test,
                float(p),
            )
        )
    return found


def compare_runs(
    pairs: Sequence[tuple[RunExperiment, RunExperiment]],
    *,
    seed: int = 0,
    n_resamples: int = 1000,
) -> list[MetricComparison]:
    """Every metric of every pair, Holm-corrected together across the whole comparison."""
    rows = [
        row
        for a, b in pairs
        for row in compare_experiments(a, b, seed=seed, n_resamples=n_resamples)
    ]
    finite = [i for i, row in enumerate(rows) if math.isfinite(row.p_value)]
    adjusted = holm_correction([rows[i].p_value for i in finite], alpha=ALPHA).p_adjusted
    for i, p in zip(finite, adjusted, strict=True):
        rows[i] = replace(rows[i], p_holm=p)
    return rows


def write_compare_files(out: Path, rows: Sequence[MetricComparison], meta: dict[str, Any]) -> None:
    """compare.csv (one row per pair and metric) and compare.json (rows plus `meta`), atomically."""
    records = [row.to_json() for row in rows]
    fields = [*MetricComparison.__dataclass_fields__, "verdict"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    write_text_atomic(Path(out) / "compare.csv", buffer.getvalue())
    write_json_atomic(Path(out) / "compare.json", {**meta, "comparisons": records})
