"""The compression section's paired comparison, flip table and verdicts against hand computation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binomtest

from benchlab.report.compression import compression_rows

# parent right on items 0-7 of 10; variant A loses 3, 4 and gains 8; variant B loses 0-5.
PARENT = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
VARIANT_A = [1, 1, 1, 0, 0, 1, 1, 1, 1, 0]
VARIANT_B = [0, 0, 0, 0, 0, 0, 1, 1, 0, 0]


def _write(run: Path, mode: str, correct: list[int], shift: float, facts: dict | None) -> None:
    """An experiment whose item i scores its choices [-1 - i/10, -2] (+ shift on item 2)."""
    experiment = f"m_t_{mode}"
    folder = run / "experiments" / experiment
    folder.mkdir(parents=True)
    rows = []
    for i, right in enumerate(correct):
        rows.append(
            {
                "id": f"t-{i}",
                "input": f"question {i}",
                "gold": "positive",
                "prediction": "positive" if right else "negative",
                "correct": bool(right),
                "scores": {"positive": -1 - i / 10 + (shift if i == 2 else 0), "negative": -2.0},
                "score_kind": "loglikelihood",
            }
        )
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    accuracy = float(np.mean(correct))
    results = {
        "experiment_id": experiment,
        "status": "complete",
        "model": "m",
        "task": "t",
        "mode": mode,
        "metrics": {
            "accuracy": {
                "value": accuracy,
                "ci_low": 0,
                "ci_high": 1,
                "n": len(correct),
                "ci_method": "x",
            }
        },
        "cost": {
            "throughput_examples_per_second": 100.0 if facts is None else 50.0,
            "latency_ms": {"p50": 10.0 if facts is None else 15.0, "p95": 20.0},
        },
    }
    (folder / "results.json").write_text(json.dumps(results))
    if facts is not None:
        (folder / "quantization.json").write_text(json.dumps(facts))


def _facts(label: str, size: int) -> dict:
    return {
        "label": label,
        "parent_experiment": "m_t_base",
        "size_on_disk_bytes": size,
        "parent_size_on_disk_bytes": 4000,
        "memory_bytes": size,
        "parent_memory_bytes": 8000,
        "load_seconds": 0.5,
        "layers": {"quantized": 3, "linear": 4},
    }


@pytest.fixture()
def run(tmp_path: Path) -> Path:
    _write(tmp_path, "base", PARENT, 0.0, None)
    _write(tmp_path, "int8", VARIANT_A, 0.75, _facts("bnb-int8", 1000))
    _write(tmp_path, "int2", VARIANT_B, -0.25, _facts("torchao-intx:2", 500))
    return tmp_path


def test_paired_comparison_and_flips_equal_a_hand_computation(run: Path) -> None:
    rows = {row.variant: row for row in compression_rows(run, n_resamples=500)}
    a, b = rows["m_t_int8"], rows["m_t_int2"]
    assert [f.id for f in a.right_to_wrong] == ["t-3", "t-4"]
    assert [f.id for f in a.wrong_to_right] == ["t-8"]
    assert [f.id for f in b.right_to_wrong] == [f"t-{i}" for i in range(6)]
    assert b.wrong_to_right == []
    flip = a.right_to_wrong[0]
    assert (flip.input, flip.gold, flip.parent, flip.variant) == (
        "question 3",
        "positive",
        "positive",
        "negative",
    )
    assert a.comparison.difference == pytest.approx(0.8 - 0.8 + (-2 + 1) / 10)
    assert b.comparison.difference == pytest.approx(0.2 - 0.8)
    # McNemar exact: the discordant pairs as a binomial(b + c, 1/2) test
    p_a = binomtest(1, 3, 0.5).pvalue
    p_b = binomtest(0, 6, 0.5).pvalue
    assert a.comparison.p_value == pytest.approx(p_a)
    assert b.comparison.p_value == pytest.approx(p_b)
    # Holm over the two variants: the smaller p times 2, the larger at least that
    assert b.comparison.p_holm == pytest.approx(min(1.0, 2 * p_b))
    assert a.comparison.p_holm == pytest.approx(max(min(1.0, 2 * p_b), p_a))
    # the largest change of a choice log-likelihood is the planted shift on item 2
    assert (a.largest_score_change, a.largest_score_item) == (pytest.approx(0.75), "t-2")
    assert (b.largest_score_change, b.largest_score_item) == (pytest.approx(0.25), "t-2")
    assert a.costs["size_ratio"] == 0.25 and b.costs["memory_ratio"] == 500 / 8000
    assert a.costs["latency_ratio"] == 1.5 and a.costs["speed_ratio"] == 0.5


def test_verdicts_respect_the_test_and_its_power(run: Path) -> None:
    rows = {row.variant: row for row in compression_rows(run, n_resamples=500)}
    a, b = rows["m_t_int8"], rows["m_t_int2"]
    assert b.comparison.ci_high < 0
    assert b.verdict.startswith("accuracy dropped 60.0 points (95% CI [")
    assert "6 right->wrong, 0 wrong->right" in b.verdict
    assert a.verdict.startswith("no detectable drop (95% CI [")
    # n = 10, 3 flips: at that rate Connor's MDE exceeds the rate itself, so the rate is raised
    # to the drop: d = MDE(psi = d), in closed form d = ((z_a sqrt(n) + z_b sqrt(n + z_b^2 -
    # z_a^2)) / (n + z_b^2))^2
    z_a, z_b, n = 1.959964, 0.841621, 10
    hand = ((z_a * math.sqrt(n) + z_b * math.sqrt(n + z_b**2 - z_a**2)) / (n + z_b**2)) ** 2
    assert a.mde == pytest.approx(hand, rel=1e-4)
    assert a.verdict.endswith(f"with n = 10 the minimum detectable drop is {hand * 100:.0f} points")


def test_no_drop_verdict_names_the_minimum_detectable_drop(tmp_path: Path) -> None:
    """The issue's example: n = 500, 10% of items flipping both ways evenly -> 4 points."""
    parent = [1] * 250 + [0] * 250
    variant = [0] * 25 + [1] * 225 + [1] * 25 + [0] * 225
    _write(tmp_path, "base", parent, 0.0, None)
    _write(tmp_path, "nf4", variant, 0.0, _facts("bnb-nf4", 1000))
    [row] = compression_rows(tmp_path, n_resamples=300)
    assert row.comparison.difference == 0
    assert (len(row.right_to_wrong), len(row.wrong_to_right)) == (25, 25)
    # Connor (1987): d = sqrt(psi) (z_a sqrt(n) + z_b sqrt(n + z_b^2 - z_a^2)) / (n + z_b^2)
    z_a, z_b, psi, n = 1.959964, 0.841621, 0.1, 500
    hand = math.sqrt(psi) * (z_a * math.sqrt(n) + z_b * math.sqrt(n + z_b**2 - z_a**2))
    hand /= n + z_b**2
    assert row.mde == pytest.approx(hand, rel=1e-5)
    assert row.verdict.endswith("with n = 500 the minimum detectable drop is 4 points")
