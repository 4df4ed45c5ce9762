"""Consistency figures: the histogram's counts by hand, both figures are real PNGs."""

from __future__ import annotations

from benchlab.report.consistency_plots import (
    agreement_counts,
    agreement_histogram_png,
    maj_at_k_png,
)
from benchlab.scoring.consistency import INVALID, ItemSamples, item_consistency
from benchlab.scoring.consistency_summary import summarize_consistency

PNG = b"\x89PNG\r\n\x1a\n"


def test_agreement_histogram_and_maj_at_k_curve():
    items = [
        item_consistency(ItemSamples("a", ["5", "5", "3", None], greedy="5", gold="5")),
        item_consistency(ItemSamples("b", ["7", "7", "7", "7"], greedy="8", gold="7")),
        item_consistency(ItemSamples("c", [None, INVALID, "4", "4"], greedy=INVALID, gold="2")),
        item_consistency(ItemSamples("d", [None, None, None, None], greedy="1", gold="1")),
    ]
    # agreement 2/4, 4/4, 2/4 and 0 (no valid answer)
    assert agreement_counts(items) == [1, 0, 2, 0, 1]
    assert agreement_histogram_png(items).startswith(PNG)
    assert maj_at_k_png(summarize_consistency(items, n_resamples=50)).startswith(PNG)
