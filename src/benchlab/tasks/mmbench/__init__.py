"""MMBench-style visual multiple choice, pure Python: reading, circular copies, answers, scores.

No model code here: a task turns `ChoiceQuestion`s into requests (prompt text + `TsvImage`), a
backend answers them, and `score_circular` / `accuracy_breakdown` score the answers.
"""

from benchlab.tasks.mmbench.circular import (
    POSITIONAL_PHRASES,
    check_circular_copies,
    circular_exemption,
    circular_groups,
    circular_questions,
    exemptions,
    expand_circular,
    rotate_question,
)
from benchlab.tasks.mmbench.extraction import (
    EXTRACTION_RULES,
    ChoiceExtraction,
    choice_from_loglikelihoods,
    extract_choice,
)
from benchlab.tasks.mmbench.prompt import MMBENCH_INSTRUCTION, mmbench_prompt
from benchlab.tasks.mmbench.scoring import (
    Accuracy,
    AccuracyBreakdown,
    CopyOutcome,
    QuestionOutcome,
    accuracy_breakdown,
    rule_counts,
    score_circular,
    score_copies,
    score_vanilla,
)
from benchlab.tasks.mmbench.tsv import (
    COPY_OFFSET,
    ChoiceImage,
    ChoiceQuestion,
    TsvImage,
    question_from_record,
    read_mmbench_tsv,
)

__all__ = [
    "COPY_OFFSET",
    "EXTRACTION_RULES",
    "MMBENCH_INSTRUCTION",
    "POSITIONAL_PHRASES",
    "Accuracy",
    "AccuracyBreakdown",
    "ChoiceExtraction",
    "ChoiceImage",
    "ChoiceQuestion",
    "CopyOutcome",
    "QuestionOutcome",
    "TsvImage",
    "accuracy_breakdown",
    "check_circular_copies",
    "choice_from_loglikelihoods",
    "circular_exemption",
    "circular_groups",
    "circular_questions",
    "exemptions",
    "expand_circular",
    "extract_choice",
    "mmbench_prompt",
    "question_from_record",
    "read_mmbench_tsv",
    "rotate_question",
    "rule_counts",
    "score_circular",
    "score_copies",
    "score_vanilla",
]
