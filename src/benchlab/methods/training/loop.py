"""What every trainer (HF Trainer, TRL's SFT and DPO trainers) shares: steps, progress, history."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from benchlab.config.schema import ProfileSpec

__all__ = ["TrainingPlan", "history_of", "progress_callback", "total_steps", "use_cpu"]


@dataclass(frozen=True)
class TrainingPlan:
    """Hyper-parameters common to every training method."""

    epochs: float
    learning_rate: float
    batch_size: int
    weight_decay: float = 0.0
    warmup_ratio: float = 0.0
    metric_for_best_model: str = "eval_loss"
    greater_is_better: bool = False
    gradient_accumulation_steps: int = 1


def total_steps(n_train: int, plan: TrainingPlan, profile: ProfileSpec) -> tuple[int, int]:
    """(optimizer steps per epoch, total steps) after the profile's epoch and step caps."""
    per_epoch = max(1, math.ceil(n_train / plan.batch_size))
    per_epoch = max(1, per_epoch // plan.gradient_accumulation_steps)
    total = math.ceil(per_epoch * (profile.epochs or plan.epochs))
    if profile.max_train_steps is not None:
        total = min(total, profile.max_train_steps)
    return per_epoch, total


def use_cpu() -> bool:
    """Train on the CPU when no CUDA device is present (explicit, so no bf16 default applies)."""
    import torch

    return not torch.cuda.is_available()


def progress_callback(advance: Any) -> Any:
    """A trainer callback advancing a progress bar by one per optimizer step."""
    from transformers import TrainerCallback

    class _Advance(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            advance(1)

    return _Advance()


def history_of(
    log_history: list[dict[str, Any]], *, step_metrics: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Training loss per logging step and every `eval_*` metric per evaluation, with epochs.

    `step_metrics` are prefixes of further training metrics a trainer logs per step (DPO's
    "rewards/"): they go to `train_metrics`, one entry per logging step that has any.
    """
    train_loss = [
        {"step": e["step"], "epoch": e.get("epoch"), "loss": e["loss"]}
        for e in log_history
        if "loss" in e
    ]
    evaluations = [
        {
            "step": e["step"],
            "epoch": e.get("epoch"),
            **{k.removeprefix("eval_"): v for k, v in e.items() if k.startswith("eval_")},
        }
        for e in log_history
        if "eval_loss" in e
    ]
    history: dict[str, Any] = {"train_loss": train_loss, "eval": evaluations}
    if step_metrics:
        history["train_metrics"] = [
            {
                "step": e["step"],
                "epoch": e.get("epoch"),
                **{k: v for k, v in e.items() if k.startswith(step_metrics)},
            }
            for e in log_history
            if "loss" in e and any(k.startswith(step_metrics) for k in e)
        ]
    return history
