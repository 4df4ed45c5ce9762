"""Judge-quality proportions against hand counts."""

from __future__ import annotations

import math

import pytest

from benchlab.judge.quality import LengthCase, judge_quality, proportion


def test_hand_counted_quality() -> None:
    quality = judge_quality(
        flips=[True, False, False, False],
        repeat_matches=[True, True, False],
        length_cases=[
            LengthCase(candidate_won=True, candidate_chars=300, reference_chars=100),  # longer
            LengthCase(candidate_won=False, candidate_chars=50, reference_chars=90),  # longer
            LengthCase(candidate_won=True, candidate_chars=10, reference_chars=90),  # shorter
            LengthCase(candidate_won=True, candidate_chars=40, reference_chars=40),  # skipped
        ],
        unparseable=1,
        judged_pairs=5,
    )
    assert quality.position_flip_rate.value == pytest.approx(0.25)
    assert quality.position_flip_rate.n == 4
    assert quality.repeat_agreement.value == pytest.approx(2 / 3)
    assert quality.longer_answer_share.value == pytest.approx(2 / 3)
    assert quality.longer_answer_share.n == 3
    assert quality.unparseable_rate.value == pytest.approx(0.2)
    for m in (quality.position_flip_rate, quality.repeat_agreement):
        assert m.ci_low <= m.value <= m.ci_high
        assert m.ci_method == "wilson"


def test_empty_proportion_is_nan_and_null_in_json() -> None:
    assert math.isnan(proportion(0, 0).value)
    quality = judge_quality([], [], [], unparseable=0, judged_pairs=0)
    assert quality.to_json()["repeat_agreement"]["value"] is None
