"""Shared training plumbing over the HF Trainer: caps from the profile, progress, history."""

from __future__ import annotations

import math
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.methods.base import MethodContext, TrainingRecord
from benchlab.tasks.base import Example

__all__ = ["TrainingPlan", "carve_validation", "run_trainer"]


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


def carve_validation(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split training examples into (train, validation) by a seed; never touches eval data."""
    order = list(examples)
    random.Random(seed).shuffle(order)
    n_val = max(1, round(len(order) * fraction)) if fraction > 0 else 0
    return order[n_val:], order[:n_val]


def _progress_callback(advance):
    from transformers import TrainerCallback

    class _Advance(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            advance(1)

    return _Advance()


def run_trainer(
    context: MethodContext,
    model: Any,
    train: Sequence[dict[str, Any]],
    validation: Sequence[dict[str, Any]],
    plan: TrainingPlan,
    *,
    collator: Any,
    compute_metrics: Any = None,
) -> tuple[Any, TrainingRecord]:
    """Train with evaluation and a checkpoint per epoch (or per capped run), keep the best."""
    import torch
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback

    profile = context.spec.profile
    steps_per_epoch = max(1, math.ceil(len(train) / plan.batch_size))
    epochs = profile.epochs or plan.epochs
    total_steps = math.ceil(steps_per_epoch * epochs)
    if profile.max_train_steps is not None:
        total_steps = min(total_steps, profile.max_train_steps)
    eval_every = min(steps_per_epoch, total_steps)
    checkpoints = Path(context.out_dir) / "checkpoints"
    args = TrainingArguments(
        output_dir=str(checkpoints),
        max_steps=total_steps,
        learning_rate=plan.learning_rate,
        per_device_train_batch_size=plan.batch_size,
        per_device_eval_batch_size=plan.batch_size,
        weight_decay=plan.weight_decay,
        warmup_steps=int(plan.warmup_ratio * total_steps),
        eval_strategy="steps" if validation else "no",
        eval_steps=eval_every,
        save_strategy="steps" if validation else "no",
        save_steps=eval_every,
        save_total_limit=2,
        load_best_model_at_end=bool(validation),
        metric_for_best_model=plan.metric_for_best_model,
        greater_is_better=plan.greater_is_better,
        logging_steps=max(1, min(10, total_steps // 10)),
        seed=context.spec.seed,
        data_seed=context.spec.seed,
        report_to="none",
        disable_tqdm=True,
        use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=0,
        save_only_model=True,
    )
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    with context.progress.track(f"train {context.spec.id}", total_steps) as advance:
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=list(train),
            eval_dataset=list(validation) or None,
            data_collator=collator,
            compute_metrics=compute_metrics,
            callbacks=[_progress_callback(advance)],
        )
        trainer.remove_callback(PrinterCallback)
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    shutil.rmtree(checkpoints, ignore_errors=True)
    history = _history(trainer.state.log_history)
    history["best_checkpoint_metric"] = trainer.state.best_metric
    record = TrainingRecord(seconds, trainable, total, history)
    return trainer.model, record


def _history(log_history: list[dict[str, Any]]) -> dict[str, Any]:
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
    return {"train_loss": train_loss, "eval": evaluations}
