"""Training with a TRL trainer (SFT, DPO, KTO): shared arguments, progress, time, history."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import Any

from benchlab.methods.base import MethodContext, TrainingRecord
from benchlab.methods.training.loop import TrainingPlan, history_of, progress_callback, use_cpu
from benchlab.methods.training.quantization import count_parameters, footprint_mb

__all__ = ["run_trl_trainer", "trl_arguments"]


def trl_arguments(
    context: MethodContext, plan: TrainingPlan, steps: int, eval_every: int | None
) -> dict[str, Any]:
    """Keyword arguments every TRL config gets: caps, seeds, no checkpoints, CPU explicit.

    TRL's configs default to bf16 and gradient checkpointing; on a CPU both are turned off
    explicitly (`use_cpu`), so a config starts anywhere. `eval_every` None: no validation.
    """
    cpu = use_cpu()
    return {
        "output_dir": str(context.out_dir / "checkpoints"),
        "max_steps": steps,
        "learning_rate": plan.learning_rate,
        "per_device_train_batch_size": plan.batch_size,
        "per_device_eval_batch_size": plan.batch_size,
        "gradient_accumulation_steps": plan.gradient_accumulation_steps,
        "warmup_steps": int(plan.warmup_ratio * steps),
        "eval_strategy": "no" if eval_every is None else "steps",
        "eval_steps": eval_every,
        "save_strategy": "no",
        "logging_steps": max(1, min(10, steps // 10)),
        "seed": context.spec.seed,
        "data_seed": context.spec.seed,
        "report_to": "none",
        "disable_tqdm": True,
        "use_cpu": cpu,
        "bf16": False if cpu else None,
        "gradient_checkpointing": False,
        "dataloader_num_workers": 0,
        "dataset_num_proc": None,
    }


def run_trl_trainer(
    context: MethodContext,
    build: Callable[[list[Any]], Any],
    steps: int,
    *,
    step_metrics: tuple[str, ...] = (),
) -> tuple[Any, TrainingRecord]:
    """Train the trainer `build(callbacks)` returns; (the trainer, what training cost).

    The history keeps the metrics named by `step_metrics` prefixes per logging step, and the
    model's memory footprint (and the CUDA peak on a GPU).
    """
    import torch
    from transformers.trainer_callback import PrinterCallback

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    with context.progress.track(f"train {context.spec.id}", steps) as advance:
        trainer = build([progress_callback(advance)])
        trainer.remove_callback(PrinterCallback)
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    shutil.rmtree(context.out_dir / "checkpoints", ignore_errors=True)
    tuned = trainer.model.eval()
    trainable, total = count_parameters(tuned)
    history = history_of(trainer.state.log_history, step_metrics=step_metrics)
    memory: dict[str, Any] = {"model_footprint_mb": footprint_mb(tuned)}
    if torch.cuda.is_available():
        memory["cuda_peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    history["memory"] = memory
    return trainer, TrainingRecord(seconds, trainable, total, history)
