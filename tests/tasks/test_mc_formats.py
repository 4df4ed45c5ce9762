"""Hub-shaped multiple-choice rows, auto-detected and parsed into the same `ChoiceItem`.

The rows copy the exact field layouts of the hub datasets (and GPQA's CSV columns); the
expected questions, choices and gold indices are written out by hand from those rows.
"""

from __future__ import annotations

import csv
from pathlib import Path

from benchlab.tasks.mc_formats import ChoiceItem, parse_rows, read_local_rows

GPQA_COLUMNS = [
    "Pre-Revision Question",
    "Pre-Revision Correct Answer",
    "Question",
    "Correct Answer",
    "Incorrect Answer 1",
    "Incorrect Answer 2",
    "Incorrect Answer 3",
    "Explanation",
    "Subdomain",
    "Record ID",
    "High-level domain",
]


def _gpqa_row(record_id: str) -> dict[str, str]:
    return {
        "Pre-Revision Question": "Which boson carries electromagnetism?",
        "Pre-Revision Correct Answer": "photon",
        "Question": "Which particle mediates the electromagnetic force?",
        "Correct Answer": " The photon ",
        "Incorrect Answer 1": "The gluon",
        "Incorrect Answer 2": "The W [title]boson",
        "Incorrect Answer 3": "The  graviton",
        "Explanation": "QED couples charges through photon exchange.",
        "Subdomain": "Quantum Mechanics",
        "Record ID": record_id,
        "High-level domain": "Physics",
    }


def test_ai2_arc_rows_with_letter_and_numeric_labels() -> None:
    rows = [
        {
            "id": "Mercury_7175875",
            "question": "An astronomer observes that a planet rotates faster after a meteorite "
            "impact. Which is the most likely effect of this increase in rotation?",
            "choices": {
                "text": [
                    "Planetary density will decrease.",
                    "Planetary years will become longer.",
                    "Planetary days will become shorter.",
                    "Planetary gravity will become stronger.",
                ],
                "label": ["A", "B", "C", "D"],
            },
            "answerKey": "C",
        },
        {
            "id": "NYSEDREGENTS_2015_4_8",
            "question": "Which object is the best conductor of electricity?",
            "choices": {
                "text": ["a wax crayon", "a plastic spoon", "a rubber eraser", "an iron nail"],
                "label": ["1", "2", "3", "4"],
            },
            "answerKey": "4",
        },
    ]
    letters, numbers = parse_rows(rows, "auto", "arc")
    assert letters.question.startswith("An astronomer observes")
    assert letters.choices[2] == "Planetary days will become shorter."
    assert (letters.gold, letters.id) == (2, "Mercury_7175875")
    assert numbers.choices == ("a wax crayon", "a plastic spoon", "a rubber eraser", "an iron nail")
    assert (numbers.gold, numbers.id) == (3, "NYSEDREGENTS_2015_4_8")


def test_openbookqa_main_rows() -> None:
    row = {
        "id": "7-980",
        "question_stem": "The sun is responsible for",
        "choices": {
            "text": [
                "puppies learning new tricks",
                "children growing up and getting old",
                "flowers wilting in a vase",
                "plants sprouting, blooming and wilting",
            ],
            "label": ["A", "B", "C", "D"],
        },
        "answerKey": "D",
    }
    [item] = parse_rows([row], "auto", "obqa")
    assert item == ChoiceItem(
        question="The sun is responsible for",
        choices=(
            "puppies learning new tricks",
            "children growing up and getting old",
            "flowers wilting in a vase",
            "plants sprouting, blooming and wilting",
        ),
        gold=3,
        id="7-980",
    )


def test_sciq_rows_put_the_correct_answer_last() -> None:
    row = {
        "question": "What type of organism is commonly used in preparation of foods such as "
        "cheese and yogurt?",
        "distractor3": "viruses",
        "distractor1": "protozoa",
        "distractor2": "gymnosperms",
        "correct_answer": "mesophilic organisms",
        "support": "Mesophiles grow best in moderate temperature.",
    }
    [item] = parse_rows([row], "auto", "sciq")
    assert item.question.startswith("What type of organism")
    # distractor1..3 in number order (not key order), then the correct answer
    assert item.choices == ("protozoa", "gymnosperms", "viruses", "mesophilic organisms")
    assert item.gold == 3
    assert item.support == "Mesophiles grow best in moderate temperature."


def test_cais_mmlu_rows() -> None:
    row = {
        "question": "What is the embryological origin of the hyoid bone?",
        "subject": "anatomy",
        "choices": [
            "The first pharyngeal arch",
            "The first and second pharyngeal arches",
            "The second pharyngeal arch",
            "The second and third pharyngeal arches",
        ],
        "answer": 3,
    }
    [item] = parse_rows([row], "auto", "mmlu")
    assert item.question == "What is the embryological origin of the hyoid bone?"
    assert item.choices[3] == "The second and third pharyngeal arches"
    assert (item.gold, item.subject, item.id) == (3, "anatomy", None)


def test_gpqa_csv_rows_are_cleaned_and_shuffled_per_item(tmp_path: Path) -> None:
    path = tmp_path / "gpqa_diamond.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, GPQA_COLUMNS)
        writer.writeheader()
        writer.writerow(_gpqa_row("recA1b2C3d4E5f6G7"))
    rows = read_local_rows(path)
    [seed0] = parse_rows(rows, "auto", "gpqa", seed=0)
    [seed1] = parse_rows(rows, "auto", "gpqa", seed=1)
    assert seed0.question == "Which particle mediates the electromagnetic force?"
    # lm-eval's cleaning: stripped, " [title]" -> ". ", double spaces collapsed
    cleaned = {"The photon", "The gluon", "The W. boson", "The graviton"}
    assert set(seed0.choices) == set(seed1.choices) == cleaned
    # pinned orders: a silent change would alter every GPQA prompt and cached answer
    assert seed0.choices == ("The gluon", "The photon", "The graviton", "The W. boson")
    assert seed0.gold == 1
    assert seed1.choices == ("The photon", "The gluon", "The graviton", "The W. boson")
    assert seed1.gold == 0
    assert (seed0.id, seed0.subject) == ("recA1b2C3d4E5f6G7", "Physics")
    assert seed0.rationale == "QED couples charges through photon exchange."


def test_gpqa_shuffle_is_reproducible_and_spreads_the_gold_position() -> None:
    rows = [_gpqa_row(f"rec{i:04d}") for i in range(40)]
    first = parse_rows(rows, "gpqa", "gpqa", seed=0)
    assert first == parse_rows(rows, "gpqa", "gpqa", seed=0)
    assert all(item.choices[item.gold] == "The photon" for item in first)
    # the same question under different record ids lands in every position
    assert {item.gold for item in first} == {0, 1, 2, 3}
    reseeded = parse_rows(rows, "gpqa", "gpqa", seed=1)
    assert [i.choices for i in reseeded] != [i.choices for i in first]
