"""The unbiased pass@k estimator of Chen et al. (2021), as used by OpenAI's human-eval.

pass@k = 1 - C(n-c, k) / C(n, k), computed as a running product so that n = 200 samples
never forms huge binomials.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["pass_at_k", "pass_at_k_per_problem"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c correct) passes."""
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= correct <= samples, got correct={c}, samples={n}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= samples, got k={k}, samples={n}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def pass_at_k_per_problem(
    num_samples: Sequence[int], num_correct: Sequence[int], k: int
) -> np.ndarray:
    """pass@k of each problem; every problem must have at least k samples."""
    if len(num_samples) != len(num_correct):
        raise ValueError(f"{len(num_samples)} sample counts but {len(num_correct)} correct counts")
    return np.array(
        [pass_at_k(int(n), int(c), k) for n, c in zip(num_samples, num_correct, strict=True)]
    )
