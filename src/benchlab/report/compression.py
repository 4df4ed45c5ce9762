"""Each quantized variant against its parent: paired accuracy change, flips, size and speed.

A `quantize` experiment records its parent (the base mode's experiment) in quantization.json.
The variant and its parent are compared item by item through `compare_runs` (seeded paired
bootstrap CI of the difference, McNemar's exact test, Holm over every variant of the run); the
flip table lists the items that went right -> wrong and wrong -> right; the largest change in a
per-item choice score (log-likelihood) shows how far quantization moved the model even where
the answer held. Size, memory and speed are read as ratios to the parent.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlab.report.compare_runs import MetricComparison, compare_runs
from benchlab.report.run_files import RunExperiment, read_run_experiments
from benchlab.stats.power import minimum_detectable_effect

__all__ = [
    "QUANTIZATION_FILE",
    "CompressionRow",
    "Flip",
    "compression_rows",
    "flip_table",
    "largest_score_change",
]

QUANTIZATION_FILE = "quantization.json"
PREFERRED_METRICS = ("accuracy", "acc", "exact_match", "pass@1")
EXAMPLES = 5


@dataclass(frozen=True)
class Flip:
    """One item whose verdict changed between parent and variant."""

    id: str
    input: str
    gold: Any
    parent: Any
    variant: Any


@dataclass
class CompressionRow:
    """A quantized variant against its parent: quality, flips, size, memory and speed."""

    variant: str
    parent: str
    label: str
    comparison: MetricComparison
    right_to_wrong: list[Flip]
    wrong_to_right: list[Flip]
    largest_score_change: float | None
    largest_score_item: str | None
    facts: dict[str, Any]
    costs: dict[str, float | None] = field(default_factory=dict)
    mde: float = math.inf

    @property
    def verdict(self) -> str:
        """A plain-language verdict that respects the paired test and its power."""
        c = self.comparison
        ci = f"95% CI [{c.ci_low * 100:+.1f}, {c.ci_high * 100:+.1f}] points"
        flips = f"{len(self.right_to_wrong)} right->wrong, {len(self.wrong_to_right)} wrong->right"
        if c.ci_high < 0:
            return f"{c.metric} dropped {-c.difference * 100:.1f} points ({ci}; {flips})"
        if c.ci_low > 0:
            return f"{c.metric} rose {c.difference * 100:.1f} points ({ci}; {flips})"
        detectable = (
            f"with n = {c.n} the minimum detectable drop is {self.mde * 100:.0f} points"
            if math.isfinite(self.mde)
            else f"with n = {c.n} no drop is detectable at 80% power"
        )
        return f"no detectable drop ({ci}; {flips}); {detectable}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (flip examples included)."""
        return {
            "variant": self.variant,
            "parent": self.parent,
            "scheme": self.label,
            **{f"comparison_{k}": v for k, v in self.comparison.to_json().items()},
            "right_to_wrong": len(self.right_to_wrong),
            "wrong_to_right": len(self.wrong_to_right),
            "flip_examples": {
                "right_to_wrong": [vars(f) for f in self.right_to_wrong[:EXAMPLES]],
                "wrong_to_right": [vars(f) for f in self.wrong_to_right[:EXAMPLES]],
            },
            "largest_score_change": self.largest_score_change,
            "largest_score_item": self.largest_score_item,
            "minimum_detectable_drop": self.mde if math.isfinite(self.mde) else None,
            **self.costs,
            "verdict": self.verdict,
        }


def _aligned(parent: RunExperiment, variant: RunExperiment) -> list[tuple[dict, dict]]:
    by_id = {str(row["id"]): row for row in variant.rows if row.get("id") is not None}
    return [(row, by_id[str(row["id"])]) for row in parent.rows if str(row.get("id")) in by_id]


def flip_table(parent: RunExperiment, variant: RunExperiment) -> tuple[list[Flip], list[Flip]]:
    """Items right for the parent and wrong for the variant, and the reverse (parent's order)."""
    worse, better = [], []
    for a, b in _aligned(parent, variant):
        if not isinstance(a.get("correct"), bool) or not isinstance(b.get("correct"), bool):
            continue
        if a["correct"] == b["correct"]:
            continue
        flip = Flip(
            str(a["id"]),
            str(a.get("input", "")),
            a.get("gold"),
            a.get("prediction"),
            b.get("prediction"),
        )
        (worse if a["correct"] else better).append(flip)
    return worse, better


def _choice_scores(row: dict[str, Any]) -> list[float] | None:
    """Per-choice scores of an item: multiple-choice log-likelihoods or label scores."""
    if isinstance(row.get("logprobs"), list):
        return [float(x) for x in row["logprobs"]]
    if isinstance(row.get("scores"), dict) and row.get("score_kind") == "loglikelihood":
        return [float(x) if x is not None else math.nan for x in row["scores"].values()]
    return None


def largest_score_change(
    parent: RunExperiment, variant: RunExperiment
) -> tuple[float | None, str | None]:
    """The largest |variant - parent| choice log-likelihood over items, and its item id."""
    best, where = None, None
    for a, b in _aligned(parent, variant):
        scores_a, scores_b = _choice_scores(a), _choice_scores(b)
        if scores_a is None or scores_b is None or len(scores_a) != len(scores_b):
            continue
        for x, y in zip(scores_a, scores_b, strict=True):
            change = abs(y - x)
            if math.isfinite(change) and (best is None or change > best):
                best, where = change, str(a["id"])
    return best, where


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if not isinstance(numerator, (int, float)) or not isinstance(denominator, (int, float)):
        return None
    return float(numerator) / float(denominator) if denominator else None


def _costs(parent: RunExperiment, variant: RunExperiment, facts: dict[str, Any]) -> dict:
    """Size, memory, load time, latency and throughput of the variant, and ratios to the parent."""
    cost_a, cost_b = parent.results.get("cost", {}), variant.results.get("cost", {})
    latency_a, latency_b = cost_a.get("latency_ms", {}), cost_b.get("latency_ms", {})
    return {
        "size_on_disk_mb": facts["size_on_disk_bytes"] / 2**20,
        "size_ratio": _ratio(facts["size_on_disk_bytes"], facts.get("parent_size_on_disk_bytes")),
        "memory_mb": facts["memory_bytes"] / 2**20,
        "memory_ratio": _ratio(facts["memory_bytes"], facts.get("parent_memory_bytes")),
        "load_seconds": facts.get("load_seconds"),
        "latency_p50_ms": latency_b.get("p50"),
        "latency_p95_ms": latency_b.get("p95"),
        "latency_ratio": _ratio(latency_b.get("p50"), latency_a.get("p50")),
        "throughput": cost_b.get("throughput_examples_per_second"),
        "speed_ratio": _ratio(
            cost_b.get("throughput_examples_per_second"),
            cost_a.get("throughput_examples_per_second"),
        ),
        "quantized_layers": f"{facts['layers']['quantized']}/{facts['layers']['linear']}",
    }


def _primary(rows: list[MetricComparison]) -> MetricComparison | None:
    by_metric = {row.metric: row for row in rows}
    for name in PREFERRED_METRICS:
        if name in by_metric:
            return by_metric[name]
    return rows[0] if rows else None


def _minimum_detectable_drop(comparison: MetricComparison, discordance: float) -> float:
    """Paired MDE (McNemar, 80% power) at the parent's accuracy and the observed flip rate.

    A drop of d needs at least a share d of items to flip, so when the observed rate is too
    small for the formula (it detects nothing below the rate itself), the rate is raised to
    the drop: the fixed point d = MDE(discordance = d), reached from above.
    """
    baseline = min(max(comparison.value_a, 0.01), 0.99)
    n = comparison.n
    if discordance > 0:
        observed = minimum_detectable_effect(n, baseline, paired=True, discordance=discordance)
        if math.isfinite(observed):
            return observed
    drop = 1.0
    for _ in range(60):
        drop = minimum_detectable_effect(n, baseline, paired=True, discordance=drop)
        if not math.isfinite(drop):
            return math.inf
    return drop


def compression_rows(
    run_dir: Path, *, seed: int = 0, n_resamples: int = 1000
) -> list[CompressionRow]:
    """Every quantized variant of a run paired with its parent (Holm over all of them)."""
    experiments = read_run_experiments(run_dir)
    pairs, facts = [], {}
    for name, variant in experiments.items():
        path = Path(run_dir) / "experiments" / name / QUANTIZATION_FILE
        if not path.is_file():
            continue
        found = json.loads(path.read_text(encoding="utf-8"))
        parent = experiments.get(found.get("parent_experiment") or "")
        if parent is not None:
            pairs.append((parent, variant))
            facts[name] = found
    comparisons = compare_runs(pairs, seed=seed, n_resamples=n_resamples)
    rows = []
    for parent, variant in pairs:
        mine = [c for c in comparisons if c.experiment_b == variant.experiment_id]
        primary = _primary(mine)
        if primary is None:
            continue
        worse, better = flip_table(parent, variant)
        change, item = largest_score_change(parent, variant)
        mde = _minimum_detectable_drop(primary, (len(worse) + len(better)) / max(primary.n, 1))
        rows.append(
            CompressionRow(
                variant.experiment_id,
                parent.experiment_id,
                facts[variant.experiment_id]["label"],
                primary,
                worse,
                better,
                change,
                item,
                facts[variant.experiment_id],
                _costs(parent, variant, facts[variant.experiment_id]),
                mde,
            )
        )
    return rows
