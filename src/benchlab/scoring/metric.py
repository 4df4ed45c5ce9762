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
) -> MetricResult:
    """Evaluate `statistic` on paired arrays and attach a seeded bootstrap 95% CI."""
    from benchlab.stats import bootstrap_ci

    columns = [np.asarray(a) for a in arrays]
    n = len(columns[0])
    if n == 0:
        return MetricResult(float("nan"), float("nan"), float("nan"), 0, "none")
    value = float(statistic(*columns))
    interval = bootstrap_ci(statistic, *columns, n_resamples=n_resamples, seed=seed)
    return MetricResult(value, float(interval.low), float(interval.high), n)
