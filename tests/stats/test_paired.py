"""Paired tests against statsmodels / scipy, on planted differences and under the null."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from sklearn.metrics import f1_score
from statsmodels.stats.contingency_tables import mcnemar

from benchlab.errors import DataError
from benchlab.stats import mcnemar_exact, paired_bootstrap_difference, paired_permutation_test


def accuracy(gold: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(gold == pred))


def batched_accuracy(gold: np.ndarray, pred: np.ndarray) -> np.ndarray:
    return np.mean(gold == pred, axis=-1)


def correctness_from_table(both: int, a_only: int, b_only: int, neither: int, seed: int = 0):
    a = np.array([1] * both + [1] * a_only + [0] * b_only + [0] * neither, dtype=bool)
    b = np.array([1] * both + [0] * a_only + [1] * b_only + [0] * neither, dtype=bool)
    order = np.random.default_rng(seed).permutation(a.size)
    return a[order], b[order]


@pytest.mark.parametrize(
    "table", [(50, 10, 3, 37), (40, 5, 5, 50), (10, 0, 7, 3), (30, 1, 0, 0), (80, 12, 25, 383)]
)
def test_mcnemar_matches_statsmodels_and_binomtest(table: tuple[int, int, int, int]) -> None:
    both, a_only, b_only, neither = table
    a, b = correctness_from_table(*table)
    ours = mcnemar_exact(a, b)
    ref = mcnemar(np.array([[both, a_only], [b_only, neither]]), exact=True)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert ours.statistic == ref.statistic
    binom = sps.binomtest(a_only, a_only + b_only, 0.5).pvalue
    assert ours.p_value == pytest.approx(binom, rel=1e-9)
    assert (ours.a_only, ours.b_only, ours.n) == (a_only, b_only, sum(table))
    assert ours.difference == pytest.approx(b.mean() - a.mean())


def planted(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n = 500 items; B is right on 50 more items than A (70 B-only vs 20 A-only)."""
    a, b = correctness_from_table(280, 20, 70, 130, seed)
    gold = np.random.default_rng(seed).integers(0, 4, size=500)
    pred_a = np.where(a, gold, (gold + 1) % 4)
    pred_b = np.where(b, gold, (gold + 2) % 4)
    return a, b, pred_a, pred_b, gold


def test_planted_ten_point_difference_is_detected_by_every_test() -> None:
    a, b, pred_a, pred_b, gold = planted()
    mc = mcnemar_exact(a, b)
    boot = paired_bootstrap_difference(accuracy, pred_a, pred_b, gold, seed=1)
    perm = paired_permutation_test(accuracy, pred_a, pred_b, gold, seed=1)
    for result in (mc, boot, perm):
        assert result.difference == pytest.approx(0.10)
        assert result.p_value < 0.01
        assert result.significant(0.01)
    assert boot.ci is not None and boot.ci.low > 0 and boot.ci.contains(0.10)
    bca = paired_bootstrap_difference(accuracy, pred_a, pred_b, gold, method="bca")
    assert bca.ci is not None and bca.ci.method == "bootstrap_bca" and bca.ci.low > 0


def test_identical_systems_are_not_flagged() -> None:
    _, _, pred_a, _, gold = planted()
    mc = mcnemar_exact(pred_a == gold, pred_a == gold)
    boot = paired_bootstrap_difference(accuracy, pred_a, pred_a.copy(), gold)
    perm = paired_permutation_test(accuracy, pred_a, pred_a.copy(), gold)
    for result in (mc, boot, perm):
        assert result.p_value == 1.0
        assert result.difference == 0.0
        assert not result.significant()
    assert boot.ci is not None and (boot.ci.low, boot.ci.high) == (0.0, 0.0)


def test_works_without_gold_on_per_item_scores() -> None:
    a, b, *_ = planted()
    result = paired_bootstrap_difference(np.mean, a.astype(float), b.astype(float))
    assert result.difference == pytest.approx(0.10)
    assert result.p_value < 0.01


def test_macro_f1_difference_uses_the_metric_not_accuracy() -> None:
    _, _, pred_a, pred_b, gold = planted()

    def macro_f1(g: np.ndarray, p: np.ndarray) -> float:
        return float(f1_score(g, p, average="macro"))

    result = paired_bootstrap_difference(macro_f1, pred_a, pred_b, gold, n_resamples=200)
    expected = macro_f1(gold, pred_b) - macro_f1(gold, pred_a)
    assert result.difference == pytest.approx(expected)
    assert result.ci is not None and result.ci.contains(expected)


def test_false_positive_rate_under_the_null_is_near_alpha() -> None:
    rng = np.random.default_rng(123)
    simulations, n = 200, 200
    flagged_boot = flagged_perm = flagged_mcnemar = 0
    for seed in range(simulations):
        gold = np.zeros(n)
        easy = rng.random(n)  # shared difficulty: the two systems' errors are correlated
        pred_a = (rng.random(n) < 0.4 + 0.5 * easy).astype(float)
        pred_b = (rng.random(n) < 0.4 + 0.5 * easy).astype(float)
        boot = paired_bootstrap_difference(
            lambda g, p: np.mean(p, axis=-1), pred_a, pred_b, gold, n_resamples=300, seed=seed
        )
        flagged_boot += boot.p_value < 0.05
        perm = paired_permutation_test(
            lambda g, p: np.mean(p, axis=-1), pred_a, pred_b, gold, n_permutations=300, seed=seed
        )
        flagged_perm += perm.p_value < 0.05
        flagged_mcnemar += mcnemar_exact(pred_a, pred_b).p_value < 0.05
    assert 0.01 <= flagged_boot / simulations <= 0.10
    assert 0.01 <= flagged_perm / simulations <= 0.10
    assert flagged_mcnemar / simulations <= 0.08  # exact test: conservative


def test_seeded_and_validated() -> None:
    _, _, pred_a, pred_b, gold = planted()
    first = paired_bootstrap_difference(batched_accuracy, pred_a, pred_b, gold, seed=2)
    assert paired_bootstrap_difference(batched_accuracy, pred_a, pred_b, gold, seed=2) == first
    looped = paired_bootstrap_difference(accuracy, pred_a, pred_b, gold, seed=2)
    assert looped.p_value == first.p_value  # batched and per-resample paths draw alike
    assert looped.ci is not None and first.ci is not None
    assert (looped.ci.low, looped.ci.high) == pytest.approx((first.ci.low, first.ci.high))
    with pytest.raises(DataError):
        mcnemar_exact([1, 0, 2], [1, 1, 0])
    with pytest.raises(DataError):
        paired_bootstrap_difference(accuracy, pred_a, pred_b[:-1], gold)
    with pytest.raises(ValueError):
        mcnemar_exact([], [])
