"""Holm's correction against statsmodels' multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from benchlab.stats import holm_correction


@pytest.mark.parametrize(
    "p_values",
    [
        [0.01, 0.04, 0.03, 0.005],
        [0.2, 0.0001, 0.049, 0.012, 0.6, 0.011],
        [0.5],
        [0.01, 0.01, 0.02],  # ties
        [0.0125, 0.0125, 0.0125, 0.0125],  # exactly at the boundary alpha / m
    ],
)
def test_holm_matches_statsmodels(p_values: list[float]) -> None:
    ours = holm_correction(p_values, alpha=0.05)
    reject, adjusted, _, _ = multipletests(p_values, alpha=0.05, method="holm")
    assert np.allclose(ours.p_adjusted, adjusted)
    assert list(ours.reject) == reject.tolist()


def test_holm_matches_statsmodels_on_random_families() -> None:
    rng = np.random.default_rng(7)
    for _ in range(30):  # multipletests takes ~70 ms a call here
        p_values = rng.random(rng.integers(1, 12)) ** 3
        ours = holm_correction(p_values, alpha=0.1)
        reject, adjusted, _, _ = multipletests(p_values, alpha=0.1, method="holm")
        assert np.allclose(ours.p_adjusted, adjusted)
        assert list(ours.reject) == reject.tolist()


def test_holm_is_at_least_the_raw_p_value_and_handles_empty() -> None:
    p = [0.001, 0.3, 0.02]
    assert all(a >= raw for a, raw in zip(holm_correction(p).p_adjusted, p, strict=True))
    assert holm_correction([]).p_adjusted == ()
    with pytest.raises(ValueError):
        holm_correction([0.5, float("nan")])
