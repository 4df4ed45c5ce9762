"""Solution deduplication on hand cases: text keys and RFT's equation-sequence keys."""

from __future__ import annotations

import pytest

from benchlab.scoring.answers_dedup import (
    distinct_indices,
    equation_sequence,
    normalize_solution_text,
    solution_key,
)

GSM8K_SOLUTION = (
    "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
    "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"
)


def test_calculator_annotations_give_the_equations():
    assert equation_sequence(GSM8K_SOLUTION) == ("48/2=24", "48+24=72")


def test_written_equations_are_extracted_and_normalised():
    text = "First 3 x 4 = 12 apples. Then 12 + 1 = 13. Costs $1,200 - $200 = $1,000 in all."
    assert equation_sequence(text) == ("3*4=12", "12+1=13", "1200-200=1000")
    assert equation_sequence("He has 5 apples = a lot, and 2.5 × 2 = 5.") == ("2.5*2=5",)
    assert equation_sequence("(3 + 4) * 2 = 14") == ("(3+4)*2=14",)
    assert equation_sequence("No arithmetic here.") == ()


def test_text_key_ignores_case_and_spacing_only():
    assert normalize_solution_text("  The Answer\n is  5. ") == "the answer is 5."
    assert solution_key("The answer is 5.") == solution_key("the  answer\tis 5.")
    assert solution_key("The answer is 5.") != solution_key("The answer is 6.")


def test_same_equations_in_other_words_are_duplicates():
    reworded = "She sold half, 48/2=<<48/2=24>>24, then 48+24=<<48+24=72>>72 in total.\n#### 72"
    reordered = "Total 48+24=<<48+24=72>>72 after 48/2=<<48/2=24>>24.\n#### 72"
    solutions = [GSM8K_SOLUTION, reworded, reordered, GSM8K_SOLUTION.upper()]
    assert distinct_indices(solutions, by="text") == [0, 1, 2]
    # Same calculations in the same order are one path; a different order is another.
    assert distinct_indices(solutions, by="equations") == [0, 2]


def test_solutions_without_equations_fall_back_to_text():
    solutions = ["I guess 7.", "i guess 7.", "Probably 8.", "2 + 5 = 7", "So 2+5 = 7 then."]
    assert distinct_indices(solutions, by="equations") == [0, 2, 3]
    assert distinct_indices(solutions, by="equations", limit=2) == [0, 2]


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="dedup key"):
        solution_key("x", by="words")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit"):
        distinct_indices(["x"], limit=0)
