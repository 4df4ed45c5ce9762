"""Which experiments the report compares: the per-task baseline and the best of each kind."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from benchlab.errors import BenchlabError
from benchlab.report.records import ExperimentRecord, RunRecords

__all__ = [
    "FINE_TUNING_METHODS",
    "PROMPTING_METHODS",
    "best",
    "choose_baselines",
    "headline_value",
    "is_encoder_finetune",
    "label",
]

FINE_TUNING_METHODS = frozenset({"finetune", "lora", "qlora", "sft", "dpo"})
PROMPTING_METHODS = frozenset({"zero_shot", "few_shot"})


def label(record: ExperimentRecord) -> str:
    """How prose names an experiment: '<mode> <model>', e.g. 'lora tiny-llama'."""
    return f"{record.mode} {record.model}".strip() or record.experiment_id


def headline_value(record: ExperimentRecord) -> float:
    """The experiment's first metric (NaN when absent)."""
    name = record.primary_metric
    value = record.metrics.get(name, {}).get("value") if name else None
    return float(value) if isinstance(value, (int, float)) else math.nan


def best(
    records: Sequence[ExperimentRecord], keep: Callable[[ExperimentRecord], bool] = lambda r: True
) -> ExperimentRecord | None:
    """The complete experiment with the highest headline metric among those `keep` accepts."""
    candidates = [r for r in records if r.complete and keep(r)]
    scored = [r for r in candidates if math.isfinite(headline_value(r))]
    if not scored:
        return candidates[0] if candidates else None
    return max(scored, key=headline_value)


def is_encoder_finetune(record: ExperimentRecord) -> bool:
    """An encoder trained with the full fine-tune method."""
    return record.model_kind == "encoder" and record.method == "finetune"


def choose_baselines(run: RunRecords, baseline: str | None) -> dict[str, ExperimentRecord]:
    """Reference experiment per task.

    Default: the best encoder fine-tune of the task, else its first complete experiment.
    `baseline` may name an experiment id (the reference for its task) or a model (its best
    experiment on each task it ran); other tasks keep the default.
    """
    chosen: dict[str, ExperimentRecord] = {}
    for task in run.tasks():
        on_task = [r for r in run.complete if r.task == task]
        chosen[task] = best(on_task, is_encoder_finetune) or on_task[0]
    if baseline is None:
        return chosen
    by_id = {r.experiment_id: r for r in run.experiments}
    if baseline in by_id:
        record = by_id[baseline]
        if not record.complete:
            raise BenchlabError(
                f"--baseline {baseline!r} is {record.state}, not complete; pick a complete "
                "experiment or a model name"
            )
        chosen[record.task] = record
        return chosen
    models = {r.model for r in run.complete}
    if baseline not in models:
        known = ", ".join(sorted(models)) or "none"
        raise BenchlabError(
            f"--baseline {baseline!r} is neither an experiment id of {run.root} nor a model with "
            f"complete experiments (models: {known})"
        )
    for task in chosen:
        mine = best([r for r in run.complete if r.task == task and r.model == baseline])
        if mine is not None:
            chosen[task] = mine
    return chosen
