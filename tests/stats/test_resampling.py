"""The batching probe: batch only statistics that give the same numbers one resample at a time."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.errors import DataError
from benchlab.stats.resampling import accepts_batches, as_columns, jackknife_values


def test_probe_accepts_row_wise_statistics() -> None:
    columns = [np.arange(10) % 3, np.arange(10) % 2]
    assert accepts_batches(lambda a, b: np.mean(a == b, axis=-1), columns)


@pytest.mark.parametrize(
    "statistic",
    [
        lambda x: float(np.mean(x)),  # collapses a batch to one number
        lambda x: np.mean(x, axis=0),  # right shape for n = 3, wrong numbers
        lambda x: float(np.bincount(x).argmax()),  # raises on 2-D input
    ],
)
def test_probe_rejects_statistics_that_do_not_batch(statistic) -> None:
    assert not accepts_batches(statistic, [np.array([0, 1, 2])])


def test_exact_and_grouped_jackknife_agree_with_a_direct_loop() -> None:
    values = np.random.default_rng(0).random(30)
    exact = jackknife_values(lambda x: x.mean(axis=-1), [values], batched=True)
    direct = [np.delete(values, i).mean() for i in range(30)]
    assert np.allclose(exact, direct)
    grouped = jackknife_values(lambda x: x.mean(axis=-1), [values], batched=True, max_groups=10)
    assert grouped.shape == (10,)
    assert np.isclose(grouped.mean(), values.mean(), atol=0.02)


def test_columns_must_align() -> None:
    with pytest.raises(DataError):
        as_columns([[1, 2], [1]])
    with pytest.raises(ValueError):
        as_columns([[]])
