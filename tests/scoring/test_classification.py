"""Classification metrics agree with scikit-learn on the same predictions."""

import numpy as np
import pytest
from sklearn import metrics as sk

from benchlab.scoring.classification import accuracy, f1, matthews_corrcoef


@pytest.mark.parametrize("num_labels", [2, 3, 5])
@pytest.mark.parametrize("seed", range(5))
def test_metrics_equal_sklearn(num_labels: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, num_labels, size=97)
    pred = np.where(rng.random(97) < 0.6, gold, rng.integers(0, num_labels, size=97))
    average = "binary" if num_labels == 2 else "macro"
    assert accuracy(gold, pred) == pytest.approx(sk.accuracy_score(gold, pred))
    assert f1(gold, pred, num_labels) == pytest.approx(
        sk.f1_score(gold, pred, average=average, zero_division=0)
    )
    assert matthews_corrcoef(gold, pred, num_labels) == pytest.approx(
        sk.matthews_corrcoef(gold, pred)
    )


def test_degenerate_predictions_match_sklearn() -> None:
    gold = np.array([0, 1, 1, 0, 1])
    constant = np.ones(5, dtype=int)
    assert matthews_corrcoef(gold, constant, 2) == sk.matthews_corrcoef(gold, constant)
    assert f1(gold, np.zeros(5, dtype=int), 2) == sk.f1_score(gold, np.zeros(5), zero_division=0)
    three = np.array([0, 0, 1, 1])
    assert f1(three, np.array([0, 1, 1, 1]), 3) == pytest.approx(
        sk.f1_score(three, [0, 1, 1, 1], average="macro", zero_division=0)
    )
