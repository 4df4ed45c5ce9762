"""pass@k against the closed form 1 - C(n-c, k)/C(n, k) computed with math.comb."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from benchlab.scoring.pass_at_k import pass_at_k, pass_at_k_per_problem


def _by_comb(n: int, c: int, k: int) -> float:
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20])
def test_matches_binomial_formula_on_every_small_case(n: int) -> None:
    for c in range(n + 1):
        for k in range(1, n + 1):
            assert pass_at_k(n, c, k) == pytest.approx(_by_comb(n, c, k), abs=1e-12)


def test_hand_computed_cases() -> None:
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)  # pass@1 is the fraction correct
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 1 - C(3,2)/C(4,2) = 1 - 3/6
    assert pass_at_k(5, 0, 5) == 0.0
    assert pass_at_k(5, 1, 5) == 1.0  # n - c < k: some draw must contain the correct one


def test_stable_for_large_n_where_binomials_are_huge() -> None:
    value = pass_at_k(200, 13, 100)
    assert value == pytest.approx(_by_comb(200, 13, 100), rel=1e-9)
    assert 0.0 <= value <= 1.0


def test_monotone_in_k() -> None:
    for n, c in [(200, 3), (100, 50), (20, 1)]:
        values = [pass_at_k(n, c, k) for k in range(1, n + 1)]
        assert all(b >= a - 1e-12 for a, b in itertools.pairwise(values))


def test_per_problem_vector_and_errors() -> None:
    got = pass_at_k_per_problem([10, 10], [0, 5], 1)
    np.testing.assert_allclose(got, [0.0, 0.5])
    with pytest.raises(ValueError):
        pass_at_k(5, 6, 1)
    with pytest.raises(ValueError):
        pass_at_k(5, 1, 6)
    with pytest.raises(ValueError):
        pass_at_k_per_problem([1, 2], [1], 1)
