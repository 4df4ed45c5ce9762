"""Circular and vanilla scoring on the hand-made TSV: known models give known accuracies."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.errors import DataError
from benchlab.tasks.mmbench import (
    ChoiceExtraction,
    ChoiceQuestion,
    accuracy_breakdown,
    expand_circular,
    read_mmbench_tsv,
    rule_counts,
    score_circular,
    score_copies,
    score_vanilla,
)
from tests.tasks.mmbench_fixtures import RIGHT_TEXT, write_tsv


@pytest.fixture
def copies(tmp_path: Path) -> list[ChoiceQuestion]:
    return expand_circular(read_mmbench_tsv(write_tsv(tmp_path / "mm.tsv")))


def test_always_answering_a_scores_zero_circular(copies: list[ChoiceQuestion]) -> None:
    answers = {q.index: "A" for q in copies}
    circular = score_circular(copies, answers)
    assert len(circular) == 6 and not any(o.correct for o in circular)
    # vanilla: each rotated question has exactly one copy whose answer is A (1/N of its copies)
    every_copy = score_vanilla(copies, answers, originals_only=False)
    assert sum(o.correct for o in every_copy) == 4 and len(every_copy) == 15
    assert [o.correct for o in score_vanilla(copies, answers)] == [0, 1, 0, 0, 0, 0]
    assert rule_counts(circular) == {"exact_letter": 15}
    first = circular[0]
    assert first.failure == "rotation 0: chose A (exact_letter), expected C"


def test_an_oracle_is_right_on_every_rotation(copies: list[ChoiceQuestion]) -> None:
    by_text = score_circular(copies, {q.index: RIGHT_TEXT[q.group] for q in copies})
    assert all(o.correct for o in by_text)
    assert rule_counts(by_text) == {"option_text": 15}
    by_letter = score_circular(copies, {q.index: f"Answer: {q.answer}" for q in copies})
    assert all(o.correct for o in by_letter) and set(rule_counts(by_letter)) == {"answer_prefix"}


def test_position_bias_passes_vanilla_and_fails_circular(copies: list[ChoiceQuestion]) -> None:
    original = {q.group: q.answer for q in copies if q.rotation == 0}
    answers = {q.index: original[q.group] for q in copies}  # the rotation-0 letter every time
    assert all(o.correct for o in score_vanilla(copies, answers))
    circular = score_circular(copies, answers)
    # only the two questions that are never rotated (3 and 4) stay right
    assert [o.group for o in circular if o.correct] == [3, 4]


def test_an_unparseable_copy_makes_the_question_wrong(copies: list[ChoiceQuestion]) -> None:
    answers = {q.index: q.answer for q in copies}
    answers[1 + 2 * 1_000_000] = "I am not sure what this shows."
    for _ in range(3):  # no random fallback: the same outcome every time
        outcome = score_circular(copies, answers)[0]
        assert not outcome.correct
        assert outcome.failure == (
            "rotation 2: answer not read (unmatched): 'I am not sure what this shows.'"
        )
        assert outcome.copies[2].letter is None and not outcome.copies[2].correct
    assert all(o.correct for o in score_circular(copies, answers)[1:])


def test_letters_chosen_by_likelihood_are_scored_as_given(copies: list[ChoiceQuestion]) -> None:
    answers = {q.index: ChoiceExtraction(q.answer, "loglikelihood") for q in copies}
    answers[6] = ChoiceExtraction("A", "loglikelihood")
    outcomes = score_circular(copies, answers)
    assert [o.correct for o in outcomes] == [True] * 5 + [False]
    assert rule_counts(outcomes) == {"loglikelihood": 15}


def test_missing_or_unknown_answers_are_refused(copies: list[ChoiceQuestion]) -> None:
    answers = {q.index: "A" for q in copies}
    del answers[2]
    with pytest.raises(DataError, match=r"1 row\(s\) without an answer \(e.g. index \[2\]\)"):
        score_copies(copies, answers)
    with pytest.raises(DataError, match=r"1 answer\(s\) for unknown rows"):
        score_copies(copies, {**{q.index: "A" for q in copies}, 77: "A"})


def test_accuracy_breakdown_with_wilson_intervals(copies: list[ChoiceQuestion]) -> None:
    from statsmodels.stats.proportion import proportion_confint

    answers = {q.index: q.answer for q in copies}
    answers[6 + 3_000_000] = "B"  # question 6 (weather, perception) fails one rotation
    report = accuracy_breakdown(score_circular(copies, answers))
    assert (report.overall.correct, report.overall.n) == (5, 6)
    low, high = proportion_confint(5, 6, alpha=0.05, method="wilson")
    assert (report.overall.interval.low, report.overall.interval.high) == pytest.approx((low, high))
    assert report.overall.interval.contains(report.overall.value)
    assert sorted(report.by_category) == ["animals", "code", "colours", "logic", "weather"]
    assert (report.by_category["logic"].correct, report.by_category["logic"].n) == (2, 2)
    assert report.by_category["weather"].value == 0.0
    perception = report.by_l2_category["perception"]
    assert (perception.correct, perception.n) == (2, 3)
    assert report.by_split == {}
    as_json = report.to_json()
    assert as_json["overall"]["interval"]["method"] == "wilson"
    assert as_json["by_category"]["logic"]["n"] == 2
    with pytest.raises(DataError, match="no scored questions"):
        accuracy_breakdown([])
