"""Sentences whose wording follows the statistics: 'significant' only when Holm says so.

Differences of 0-1 metrics are written in percentage points; every difference carries its 95%
CI, its test and Holm-adjusted p-value, and a non-significant one says how large an effect the
sample could have detected.
"""

from __future__ import annotations

import math

from benchlab.report.comparisons import Comparison, MetricDifference
from benchlab.report.selection import label

__all__ = [
    "amount",
    "describe_comparison",
    "describe_difference",
    "format_metric",
    "format_p",
    "points",
    "verdict",
]


def points(x: float | None, signed: bool = False) -> str:
    """A 0-1 quantity in percentage points with one decimal ('-' when unknown)."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x * 100:+.1f}" if signed else f"{x * 100:.1f}"


def amount(difference: MetricDifference, x: float | None, signed: bool = False) -> str:
    """A value of `difference`'s metric: percentage points for a share, else its own units."""
    if difference.proportion:
        return points(x, signed)
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:+.3f}" if signed else f"{x:.3f}"


def format_p(p: float | None) -> str:
    """p=0.21, p=0.004, p<0.001."""
    if p is None or not math.isfinite(p):
        return "p=n/a"
    if p < 0.001:
        return "p<0.001"
    return f"p={p:.3f}" if p < 0.01 else f"p={p:.2f}"


def format_metric(metric: dict) -> str:
    """'0.812 [0.755, 0.861], n=200' from a results.json metric entry."""

    def number(x: object) -> str:
        return f"{x:.3f}" if isinstance(x, (int, float)) and math.isfinite(x) else "-"

    return (
        f"{number(metric.get('value'))} [{number(metric.get('ci_low'))}, "
        f"{number(metric.get('ci_high'))}], n={metric.get('n', '?')}"
    )


def _mde_clause(comparison: Comparison) -> str:
    if comparison.mde is None:
        return ""
    if not math.isfinite(comparison.mde):
        return f"; with n={comparison.n} no difference is detectable at 80% power"
    return (
        f"; with n={comparison.n} the minimum detectable effect at 80% power is "
        f"{comparison.mde * 100:.0f} points"
    )


def verdict(comparison: Comparison, difference: MetricDifference) -> str:
    """The conclusion the numbers allow, with the MDE when nothing was found."""
    small = "" if comparison.supports_claim else " (too small a sample to support a claim)"
    if difference.significant:
        if small:
            return f"significant after Holm's correction, but{small[:-1]}; treat as preliminary)"
        return "a significant difference after Holm's correction"
    excludes_zero = difference.ci_low > 0 or difference.ci_high < 0
    caveat = (
        " (the bootstrap CI excludes 0, but the test does not reject after correction)"
        if excludes_zero
        else ""
    )
    return f"not a significant difference{caveat}{small}{_mde_clause(comparison)}"


def describe_difference(comparison: Comparison, difference: MetricDifference) -> str:
    """'LoRA tiny-llama is 2.5 points below finetune minilm on accuracy (95% CI ...): ...'."""
    a, b = label(comparison.a), label(comparison.b)
    d = difference.difference
    if d == 0:
        head = f"{b} and {a} have the same {difference.metric}"
    else:
        side = "above" if d > 0 else "below"
        size = f"{abs(d) * 100:.1f} points" if difference.proportion else f"{abs(d):.3f}"
        head = f"{b} is {size} {side} {a} on {difference.metric}"
    adjusted = ""
    if difference.p_adjusted is not None:
        adjusted = ", Holm-adjusted " + format_p(difference.p_adjusted).removeprefix("p=")
    stats = (
        f"95% CI {amount(difference, difference.ci_low, True)} to "
        f"{amount(difference, difference.ci_high, True)}; "
        f"{difference.test} {format_p(difference.p_value)}{adjusted}"
    )
    return f"{head} ({stats}): {verdict(comparison, difference)}."


def describe_comparison(comparison: Comparison) -> str:
    """The headline sentence of a comparison, or why it could not be made."""
    primary = comparison.primary
    if primary is None:
        reason = "; ".join(comparison.notes) or "no comparable metric"
        return f"{label(comparison.b)} vs {label(comparison.a)}: not compared ({reason})."
    return describe_difference(comparison, primary)
