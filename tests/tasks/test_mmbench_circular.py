"""Circular copies: rotations and remapped answers against hand-worked letters, exemptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.tasks.mmbench import (
    COPY_OFFSET,
    POSITIONAL_PHRASES,
    ChoiceQuestion,
    check_circular_copies,
    circular_exemption,
    circular_groups,
    circular_questions,
    exemptions,
    expand_circular,
    read_mmbench_tsv,
    rotate_question,
)
from tests.tasks.mmbench_fixtures import EXPECTED_LETTERS, RIGHT_TEXT, write_tsv


@pytest.fixture
def questions(tmp_path: Path) -> list[ChoiceQuestion]:
    return read_mmbench_tsv(write_tsv(tmp_path / "mm.tsv"))


def test_copies_carry_the_hand_worked_answer_letters(questions: list[ChoiceQuestion]) -> None:
    groups = circular_groups(expand_circular(questions))
    assert {g: [q.answer for q in copies] for g, copies in groups.items()} == EXPECTED_LETTERS
    for group, copies in groups.items():
        assert [q.index for q in copies] == [group + k * COPY_OFFSET for k in range(len(copies))]
        for copy in copies:  # the answer letter follows the right option's text
            assert copy.options[copy.answer] == RIGHT_TEXT[group]
            assert copy.image == copies[0].image and copy.question == copies[0].question


def test_rotation_one_matches_vlmevalkit_deque_rotation(questions: list[ChoiceQuestion]) -> None:
    """VLMEvalKit rotates the labels right by one (deque.rotate(1)): old A lands on D."""
    copy = rotate_question(questions[0], 1)
    assert copy.options == {"A": "dog", "B": "bird", "C": "fish", "D": "cat"}


def test_exemptions_follow_vlmevalkit(questions: list[ChoiceQuestion]) -> None:
    reasons = {q.index: circular_exemption(q) for q in questions}
    assert exemptions(expand_circular(questions)) == {3: reasons[3], 4: reasons[4]}
    assert reasons[1] is None and reasons[2] is None and reasons[5] is None
    assert "refers to options ['A', 'B']" in reasons[3]
    assert "itself a letter label" in reasons[4]
    base = questions[0]

    def variant(**changes: object) -> ChoiceQuestion:
        return ChoiceQuestion(**{**base.__dict__, **changes})

    assert "not one of the options" in circular_exemption(variant(answer="E"))
    assert "not one of the options" in circular_exemption(variant(answer=None))
    assert "gap" in circular_exemption(variant(options={"A": "x", "C": "y"}))
    assert "nothing to rotate" in circular_exemption(variant(options={"A": "x"}))
    # one letter named in words is fine ("A dog"); the substring rule catches "ABC" too
    assert circular_exemption(variant(options={**base.options, "A": "A dog"})) is None
    assert "letter label" in circular_exemption(variant(options={**base.options, "B": "ABC"}))
    # "none of the above" is not a VLMEvalKit rule; it is one on request
    above = variant(options={**base.options, "D": "None of the above"})
    assert circular_exemption(above) is None
    assert "none of the above" in circular_exemption(above, extra_phrases=POSITIONAL_PHRASES)


def test_official_files_are_used_as_they_are(questions: list[ChoiceQuestion]) -> None:
    expanded = expand_circular(questions)
    assert circular_questions(expanded) == expanded
    assert circular_questions(questions) == expanded
    assert check_circular_copies(expanded) == []
    with pytest.raises(ValueError, match="already a rotated copy"):
        expand_circular(expanded)


def test_wrong_copies_are_reported(questions: list[ChoiceQuestion]) -> None:
    expanded = expand_circular(questions)
    wrong_answer = [
        ChoiceQuestion(**{**q.__dict__, "answer": "A"}) if q.index == 1 + COPY_OFFSET else q
        for q in expanded
    ]
    assert check_circular_copies(wrong_answer) == [
        "question 1 rotation 1: options/answer differ from the rotation of the original "
        "(answer 'A', expected 'B')"
    ]
    exempt_rotated = [*expanded, rotate_question(questions[2], 1)]
    assert "rotated 1 time(s) although option B" in check_circular_copies(exempt_rotated)[0]
    missing = [q for q in expanded if q.index != 2 + 2 * COPY_OFFSET]
    assert check_circular_copies(missing) == ["question 2: rotations [0, 1], expected [0, 1, 2]"]
