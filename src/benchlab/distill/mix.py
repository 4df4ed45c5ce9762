"""Mixing a share of original data into distilled rows: exact, seeded, stratified by source.

With n distilled rows and share s, m = round(n * s / (1 - s)) original rows are drawn, so the
original rows are m / (n + m) of the file (exactly s whenever n * s / (1 - s) is a whole
number). The m rows are split across the original file's sources in proportion to their sizes
(largest remainder, ties by source name) and drawn within each source by a seeded shuffle.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from benchlab.errors import DataError

__all__ = ["mix_count", "mix_rows", "stratified_counts"]


def mix_count(n_distilled: int, share: float) -> int:
    """How many original rows make them `share` of the final file."""
    return round(n_distilled * share / (1 - share))


def stratified_counts(sizes: dict[str, int], total: int) -> dict[str, int]:
    """`total` split across sources in proportion to `sizes` (largest remainder)."""
    available = sum(sizes.values())
    exact = {name: total * size / available for name, size in sizes.items()}
    counts = {name: int(value) for name, value in exact.items()}
    order = sorted(sizes, key=lambda name: (-(exact[name] - counts[name]), name))
    for name in order[: total - sum(counts.values())]:
        counts[name] += 1
    return counts


def mix_rows(
    distilled: Sequence[dict[str, Any]],
    original: Sequence[dict[str, Any]],
    *,
    share: float,
    seed: int,
    where: str = "mix.data",
) -> list[dict[str, Any]]:
    """The distilled rows followed by the drawn original rows (each keeping its `source`)."""
    wanted = mix_count(len(distilled), share)
    if wanted > len(original):
        raise DataError(
            f"{where}: a share of {share} over {len(distilled)} distilled rows needs {wanted} "
            f"original rows but the file has {len(original)}; lower mix.share or add rows"
        )
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in original:
        by_source[str(row.get("source", "original"))].append(row)
    counts = stratified_counts({k: len(v) for k, v in by_source.items()}, wanted)
    drawn: list[dict[str, Any]] = []
    for name in sorted(by_source):
        rows = list(by_source[name])
        random.Random(f"{seed}\x1f{name}").shuffle(rows)
        drawn.extend({**row, "source": name} for row in rows[: counts[name]])
    return [*distilled, *drawn]
