"""Wording follows the statistics: significance only after Holm, CIs and MDE always shown."""

from __future__ import annotations

from pathlib import Path

from benchlab.record.layout import ExperimentFiles
from benchlab.report.comparisons import Comparison, MetricDifference
from benchlab.report.records import ExperimentRecord
from benchlab.report.wording import describe_comparison, format_p, points


def _record(experiment_id: str) -> ExperimentRecord:
    model, task, mode = experiment_id.split("_")
    results = {"model": model, "task": task, "mode": mode, "metrics": {"accuracy": {}}}
    return ExperimentRecord(experiment_id, "complete", ExperimentFiles(Path(".")), results)


def _comparison(p_adjusted: float, n: int = 200, too_small: bool = False) -> Comparison:
    difference = MetricDifference(
        "accuracy", 0.80, 0.775, -0.025, -0.061, 0.010, "McNemar", 0.21, p_adjusted
    )
    return Comparison(
        "sst2",
        _record("minilm_sst2_finetune"),
        _record("tiny-llama_sst2_lora"),
        n,
        (difference,),
        mde=0.12,
        too_small=too_small,
    )


def test_issue_example_sentence() -> None:
    assert describe_comparison(_comparison(0.42)) == (
        "lora tiny-llama is 2.5 points below finetune minilm on accuracy (95% CI -6.1 to +1.0; "
        "McNemar p=0.21, Holm-adjusted 0.42): not a significant difference; with n=200 the "
        "minimum detectable effect at 80% power is 12 points."
    )


def test_significance_needs_the_adjusted_p() -> None:
    assert "a significant difference after Holm" in describe_comparison(_comparison(0.01))
    small = describe_comparison(_comparison(0.01, n=20, too_small=True))
    assert "preliminary" in small and "too small a sample" in small


def test_formatting() -> None:
    assert format_p(0.0004) == "p<0.001" and format_p(0.0042) == "p=0.004"
    assert format_p(0.2149) == "p=0.21" and format_p(float("nan")) == "p=n/a"
    assert points(-0.0251, signed=True) == "-2.5" and points(None) == "-"


def test_a_score_that_is_not_a_share_keeps_its_units() -> None:
    """CIDEr ranges over 0-10: its difference is not written in percentage points."""
    cider = MetricDifference(
        "CIDEr", 0.0, 2.287, 2.287, 2.044, 2.535, "permutation", 0.001, 0.006, proportion=False
    )
    comparison = Comparison(
        "shapes",
        _record("vlm_shapes_zero-shot"),
        _record("vlm_shapes_lora"),
        96,
        (cider,),
    )
    assert describe_comparison(comparison) == (
        "lora vlm is 2.287 above zero-shot vlm on CIDEr (95% CI +2.044 to +2.535; "
        "permutation p=0.001, Holm-adjusted 0.006): a significant difference after Holm's "
        "correction."
    )
