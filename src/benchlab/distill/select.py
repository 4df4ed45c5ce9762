"""Which checked samples become SFT rows: greedy, majority-consistent, or K distinct correct.

Only samples the task marked correct ever become rows. Duplicates (by normalised text or, for
math, by the sequence of equations, as RFT does) are dropped within an item, keeping the first
in sample order; `max_per_item` caps what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchlab.distill.config import DistillConfig
from benchlab.scoring.answers_dedup import distinct_indices
from benchlab.scoring.consistency import majority_vote
from benchlab.tasks.base import EvalContext, Example, Sample, Task

__all__ = ["CHECKS", "select_rows", "sft_prompt"]

#: What "correct" meant, by task family, written into every row's `check`.
CHECKS = {
    "math": "extracted answer equals the gold answer",
    "code": "tests passed in the sandbox",
    "multiple_choice": "extracted letter equals the gold letter",
}


def sft_prompt(task: Task, example: Example) -> str:
    """The prompt an SFT row trains on: the task's training prompt, else its eval prompt."""
    try:
        return task.training_pairs([example])[0].prompt
    except NotImplementedError:
        return task.requests_for(example, (), EvalContext())[0].prompt


def _candidates(config: DistillConfig, item_id: str, samples: Sequence[Sample]) -> list[int]:
    """Indices of the samples eligible under `keep`, in sample order."""
    correct = [j for j, s in enumerate(samples) if s.correct]
    if config.keep != "majority":
        return correct
    winner = majority_vote([s.answer for s in samples], item_id=item_id, seed=config.seed)
    return [j for j in correct if samples[j].answer == winner]


def select_rows(
    config: DistillConfig,
    task: Task,
    examples: Sequence[Example],
    samples: Mapping[str, Sequence[Sample]],
) -> list[dict[str, Any]]:
    """SFT rows, items in split order, each recording where it came from and how it was checked."""
    temperature = 0.0 if config.keep == "greedy" else config.temperature
    check = CHECKS.get(task.family, "the task's scorer marked it correct")
    rows = []
    for example in examples:
        own = samples[example.id]
        eligible = _candidates(config, example.id, own)
        texts = [own[j].text for j in eligible]
        kept = distinct_indices(texts, by=config.dedup, limit=config.max_per_item)
        if not kept:
            continue
        prompt = sft_prompt(task, example)
        for index in kept:
            sample = own[eligible[index]]
            rows.append(
                {
                    "prompt": prompt,
                    "completion": sample.text,
                    "source": f"distill:{config.task.name}",
                    "item": example.id,
                    "model": config.model.name,
                    "sample": eligible[index],
                    "temperature": temperature,
                    "answer": sample.answer,
                    "check": check,
                }
            )
    return rows
