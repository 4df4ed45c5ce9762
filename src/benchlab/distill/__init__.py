"""Rejection-sampling distillation: a model's own correct solutions as an SFT file.

`benchlab distill CONFIG` samples solutions for a task's items, keeps the ones the task's own
checker accepts (extracted answer, gold letter, or tests run in the sandbox), deduplicates
them, mixes in a share of original data and writes an SFT JSONL that `sft` reads via `data:`.
"""

from benchlab.distill.config import DistillConfig, MixSpec, load_distill_config
from benchlab.distill.mix import mix_rows
from benchlab.distill.pipeline import DistillResult, run_distill
from benchlab.distill.select import select_rows

__all__ = [
    "DistillConfig",
    "DistillResult",
    "MixSpec",
    "load_distill_config",
    "mix_rows",
    "run_distill",
    "select_rows",
]
