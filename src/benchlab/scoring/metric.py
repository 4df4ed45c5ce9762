"""A metric value with its sample size and confidence interval: the unit of every report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["MetricResult", "metric_with_ci"]


@dataclass(frozen=True)
class MetricResult:
    """A point estimate, the number of items behind it and its 95% CI."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    ci_method: str = "bootstrap_percentile"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def metric_with_ci(
    statistic: Callable[..., float],
    *arrays: Sequence[Any],
    seed: int = 0,
    n_resamples: int = 1000,
    successes: int | None = None,
) -> MetricResult:
    """Evaluate `statistic` on paired arrays and attach a seeded bootstrap 95% CI.

    Where the bootstrap collapses to one value (all items right or all wrong), a proportion
    gets the Wilson interval and `ci_method` "wilson"; any other metric keeps the collapsed
    interval and `ci_method` "bootstrap_percentile_degenerate" (see `stats.boundary`). A
    proportion is the mean of one 0/1 column, or any statistic given its `successes` count.
    """
    from benchlab.stats import bootstrap_ci
    from benchlab.stats.boundary import DEGENERATE_SUFFIX, binary_successes, is_degenerate
    from benchlab.stats.intervals import wilson_interval

    columns = [np.asarray(a) for a in arrays]
    n = len(columns[0])
    if n == 0:
        return MetricResult(float("nan"), float("nan"), float("nan"), 0, "none")
    value = float(statistic(*columns))
    interval = bootstrap_ci(statistic, *columns, n_resamples=n_resamples, seed=seed)
    if not is_degenerate(interval):
        return MetricResult(value, float(interval.low), float(interval.high), n)
    if successes is None:
        successes = binary_successes(statistic, columns, value)
    if successes is None:
        method = f"bootstrap_percentile{DEGENERATE_SUFFIX}"
        return MetricResult(value, float(interval.low), float(interval.high), n, method)
    wilson = wilson_interval(successes, n)
    return MetricResult(value, wilson.low, wilson.high, n, "wilson")
