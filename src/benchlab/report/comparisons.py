"""Paired comparisons of two experiments on the same items, Holm-corrected across the report.

Each comparison is B (candidate) minus A (reference) on the example ids both evaluated.
Every metric gets a paired bootstrap 95% CI of the difference. The p-value comes from exact
McNemar for accuracy when both have per-item correctness, and from a paired permutation test
for other metrics (the bootstrap's own p-value is too optimistic when only a handful of items
differ). A difference is called significant only when its Holm-adjusted p-value, taken over
every comparison the report makes for that metric, is below alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from benchlab.report.paired_metrics import align, paired_metric_specs
from benchlab.report.records import ExperimentRecord
from benchlab.stats import (
    holm_correction,
    mcnemar_exact,
    minimum_detectable_effect,
    paired_bootstrap_difference,
    paired_permutation_test,
    small_sample_warning,
)
from benchlab.stats.intervals import Interval

__all__ = [
    "ALPHA",
    "Comparison",
    "ComparisonBook",
    "MetricDifference",
    "apply_holm",
    "compare",
    "flipped",
]

ALPHA = 0.05


@dataclass(frozen=True)
class MetricDifference:
    """B - A for one metric on the shared items, with its CI, test and adjusted p-value."""

    metric: str
    value_a: float
    value_b: float
    difference: float
    ci_low: float
    ci_high: float
    test: str
    p_value: float
    p_adjusted: float | None = None
    #: Whether the metric is a 0-1 share, written in percentage points (else in its own units).
    proportion: bool = True

    @property
    def significant(self) -> bool:
        """True only after Holm's correction, and only when the adjusted p is below alpha."""
        return self.p_adjusted is not None and self.p_adjusted < ALPHA

    @property
    def ci_width(self) -> float:
        """Width of the difference's 95% CI."""
        return self.ci_high - self.ci_low


@dataclass(frozen=True)
class Comparison:
    """Candidate B against reference A on one task."""

    task: str
    a: ExperimentRecord
    b: ExperimentRecord
    n: int
    differences: tuple[MetricDifference, ...] = ()
    a_only: int | None = None
    b_only: int | None = None
    both_wrong: int | None = None
    mde: float | None = None
    too_small: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> tuple[str, str]:
        """(reference id, candidate id)."""
        return (self.a.experiment_id, self.b.experiment_id)

    @property
    def primary(self) -> MetricDifference | None:
        """The headline difference: the reference's first metric, if it could be compared."""
        wanted = self.a.primary_metric
        for difference in self.differences:
            if difference.metric == wanted:
                return difference
        return self.differences[0] if self.differences else None

    @property
    def supports_claim(self) -> bool:
        """Whether the sample is large and precise enough to carry a claim either way."""
        return self.n > 0 and not self.too_small


def _mde(n: int, reference: float) -> float | None:
    """Minimum detectable accuracy difference at 80% power, alpha 0.05, near the reference.

    The independent-samples figure at the reference's accuracy: conservative for the paired
    test (which gains power from correlated errors) but, unlike the paired formula, it does
    not hinge on the discordance rate the two systems happened to show.
    """
    if n < 2:
        return None
    baseline = min(max(reference, 0.01), 0.99) if math.isfinite(reference) else 0.5
    return minimum_detectable_effect(n, baseline)


def compare(
    a: ExperimentRecord, b: ExperimentRecord, *, seed: int = 0, n_resamples: int = 1000
) -> Comparison:
    """Compare B against A on their shared example ids (p-values not yet Holm-adjusted)."""
    pair = align(a, b)
    task = a.task
    if pair.n == 0:
        note = "no shared example ids in predictions.jsonl: the two cannot be paired"
        return Comparison(task, a, b, 0, too_small=True, notes=(note,))
    notes = []
    if pair.n < max(len(a.predictions), len(b.predictions)):
        notes.append(f"paired on the {pair.n} example ids both experiments evaluated")
    correct = pair.correctness()
    differences = []
    for spec in paired_metric_specs(a, b, pair):
        result = paired_bootstrap_difference(
            spec.statistic, spec.pred_a, spec.pred_b, spec.gold, n_resamples=n_resamples, seed=seed
        )
        ci = result.ci or Interval(math.nan, math.nan)
        arguments = (spec.pred_a,) if spec.gold is None else (spec.gold, spec.pred_a)
        a_value = float(spec.statistic(*arguments))
        if spec.name == "accuracy" and correct is not None:
            test, p_value = "McNemar", mcnemar_exact(*correct).p_value
        else:
            permutation = paired_permutation_test(
                spec.statistic,
                spec.pred_a,
                spec.pred_b,
                spec.gold,
                n_permutations=n_resamples,
                seed=seed,
            )
            test, p_value = "permutation", permutation.p_value
        differences.append(
            MetricDifference(
                spec.name,
                a_value,
                a_value + result.difference,
                result.difference,
                float(ci.low),
                float(ci.high),
                test,
                float(p_value),
                proportion=spec.proportion,
            )
        )
    a_only = b_only = both_wrong = None
    if correct is not None:
        a_only = int((correct[0] & ~correct[1]).sum())
        b_only = int((~correct[0] & correct[1]).sum())
        both_wrong = int((~correct[0] & ~correct[1]).sum())
    if not differences:
        notes.append("no metric of these experiments can be recomputed item by item")
    head = differences[0] if differences else None
    reference = head.value_a if head else math.nan
    ci = Interval(head.ci_low, head.ci_high) if head else None
    return Comparison(
        task,
        a,
        b,
        pair.n,
        tuple(differences),
        a_only,
        b_only,
        both_wrong,
        _mde(pair.n, reference) if head is None or head.proportion else None,
        small_sample_warning(pair.n, ci) is not None,
        tuple(notes),
    )


def apply_holm(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Holm-adjust the p-values of each metric across all the comparisons that report it."""
    metrics = list(dict.fromkeys(d.metric for c in comparisons for d in c.differences))
    adjusted: dict[tuple[int, str], float] = {}
    for metric in metrics:
        where = [
            (i, d.p_value)
            for i, c in enumerate(comparisons)
            for d in c.differences
            if d.metric == metric and math.isfinite(d.p_value)
        ]
        result = holm_correction([p for _, p in where], alpha=ALPHA)
        for (i, _), p in zip(where, result.p_adjusted, strict=True):
            adjusted[(i, metric)] = p
    return [
        replace(
            c,
            differences=tuple(
                replace(d, p_adjusted=adjusted.get((i, d.metric))) for d in c.differences
            ),
        )
        for i, c in enumerate(comparisons)
    ]


def flipped(comparison: Comparison) -> Comparison:
    """The same comparison read the other way round: A - B instead of B - A."""
    differences = tuple(
        replace(
            d,
            value_a=d.value_b,
            value_b=d.value_a,
            difference=-d.difference,
            ci_low=-d.ci_high,
            ci_high=-d.ci_low,
        )
        for d in comparison.differences
    )
    return replace(
        comparison,
        a=comparison.b,
        b=comparison.a,
        differences=differences,
        a_only=comparison.b_only,
        b_only=comparison.a_only,
    )


class ComparisonBook:
    """Every comparison the report makes, each unordered pair tested once, then Holm-adjusted."""

    def __init__(self, *, seed: int = 0, n_resamples: int = 1000) -> None:
        self._seed, self._n_resamples = seed, n_resamples
        self._wanted: dict[tuple[str, str], tuple[ExperimentRecord, ExperimentRecord]] = {}
        self._done: dict[tuple[str, str], Comparison] = {}

    @property
    def n_resamples(self) -> int:
        """Bootstrap resamples per paired difference."""
        return self._n_resamples

    def want(self, a: ExperimentRecord, b: ExperimentRecord) -> None:
        """Register B-vs-A (ignored when A is B or the pair is already registered)."""
        key, reverse = (a.experiment_id, b.experiment_id), (b.experiment_id, a.experiment_id)
        if a is not b and key not in self._wanted and reverse not in self._wanted:
            self._wanted[key] = (a, b)

    def run(self) -> None:
        """Compute every registered comparison and Holm-adjust them together."""
        computed = [
            compare(a, b, seed=self._seed, n_resamples=self._n_resamples)
            for a, b in self._wanted.values()
        ]
        self._done = {c.key: c for c in apply_holm(computed)}

    def get(self, a: ExperimentRecord, b: ExperimentRecord) -> Comparison | None:
        """B vs A, in that orientation, if the pair was registered and run."""
        key = (a.experiment_id, b.experiment_id)
        if key in self._done:
            return self._done[key]
        reverse = self._done.get((b.experiment_id, a.experiment_id))
        return flipped(reverse) if reverse is not None else None

    def all(self) -> list[Comparison]:
        """Every comparison, in registration order."""
        return list(self._done.values())
