"""Code generation benchmarks (HumanEval, MBPP): problems, prompts, clean-up, execution."""

from benchlab.tasks.code.completion import STOP_SEQUENCES, clean_completion
from benchlab.tasks.code.execution import (
    DEFAULT_KS,
    execute_samples,
    pass_at_k_summary,
    result_record,
)
from benchlab.tasks.code.problems import CodeProblem, load_problems
from benchlab.tasks.code.program import check_program

__all__ = [
    "DEFAULT_KS",
    "STOP_SEQUENCES",
    "CodeProblem",
    "check_program",
    "clean_completion",
    "execute_samples",
    "load_problems",
    "pass_at_k_summary",
    "result_record",
]
