"""Training with the HF Trainer (fine-tune, LoRA): evaluation per epoch, best checkpoint kept."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchlab.methods.base import MethodContext, TrainingRecord
from benchlab.methods.training.loop import (
    TrainingPlan,
    history_of,
    progress_callback,
    total_steps,
    use_cpu,
)
from benchlab.methods.training.quantization import count_parameters

__all__ = ["run_trainer"]


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
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback

    steps_per_epoch, steps = total_steps(len(train), plan, context.spec.profile)
    eval_every = min(steps_per_epoch, steps)
    checkpoints = Path(context.out_dir) / "checkpoints"
    args = TrainingArguments(
        output_dir=str(checkpoints),
        max_steps=steps,
        learning_rate=plan.learning_rate,
        per_device_train_batch_size=plan.batch_size,
        per_device_eval_batch_size=plan.batch_size,
        weight_decay=plan.weight_decay,
        warmup_steps=int(plan.warmup_ratio * steps),
        eval_strategy="steps" if validation else "no",
        eval_steps=eval_every,
        save_strategy="steps" if validation else "no",
        save_steps=eval_every,
        save_total_limit=2,
        load_best_model_at_end=bool(validation),
        metric_for_best_model=plan.metric_for_best_model,
        greater_is_better=plan.greater_is_better,
        logging_steps=max(1, min(10, steps // 10)),
        seed=context.spec.seed,
        data_seed=context.spec.seed,
        report_to="none",
        disable_tqdm=True,
        use_cpu=use_cpu(),
        dataloader_num_workers=0,
        save_only_model=True,
    )
    trainable, total = count_parameters(model)
    with context.progress.track(f"train {context.spec.id}", steps) as advance:
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=list(train),
            eval_dataset=list(validation) or None,
            data_collator=collator,
            compute_metrics=compute_metrics,
            callbacks=[progress_callback(advance)],
        )
        trainer.remove_callback(PrinterCallback)
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    shutil.rmtree(checkpoints, ignore_errors=True)
    history = history_of(trainer.state.log_history)
    history["best_checkpoint_metric"] = trainer.state.best_metric
    record = TrainingRecord(seconds, trainable, total, history)
    return trainer.model, record
