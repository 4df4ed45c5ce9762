"""Supervised fine-tuning of a causal model with TRL's SFTTrainer (LoRA or full weights).

The training data is prompt -> completion pairs: by default the task's own `training_pairs`
over its train split (chain of thought + final answer, e.g. "... The answer is 18." for
GSM8K), or a local JSONL of {prompt, completion} or chat {messages} rows. The loss covers the
completion only. Evaluation then asks the tuned model exactly as zero-shot asks the base one.

Data from a file does not depend on the task, so the model is trained once per run (per model,
mode settings, data, seed and profile) into the run's shared folder, and every task's
experiment evaluates that same model: one SFT model compared with its base on every benchmark.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field

from benchlab.backends.factory import causal_backend, load_causal_model
from benchlab.errors import DataError
from benchlab.methods.base import (
    Method,
    MethodContext,
    MethodOptions,
    Prepared,
    TrainingRecord,
    TrainSplitUse,
)
from benchlab.methods.registry import register_method
from benchlab.record.atomic import write_json_atomic
from benchlab.tasks.base import EvalContext

__all__ = ["SFT", "SFTOptions", "load_sft_rows", "task_sft_rows"]

_RECORD = "training.json"


class SFTOptions(MethodOptions):
    """Data, adapter and optimisation settings for supervised fine-tuning."""

    data: str | None = Field(
        None, description="local JSONL of {prompt, completion} or {messages}; default: the task"
    )
    peft: Literal["lora", "full"] = "lora"
    r: int = Field(16, ge=1)
    alpha: float = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | str | None = "all-linear"
    epochs: float = Field(1, gt=0)
    learning_rate: float = Field(2e-4, gt=0)
    batch_size: int = Field(8, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_length: int = Field(1024, ge=8)
    validation_fraction: float = Field(0.05, ge=0, lt=1)
    warmup_ratio: float = Field(0.03, ge=0, lt=1)


def task_sft_rows(context: MethodContext) -> list[dict[str, Any]]:
    """Prompt/completion rows from the task's train split (profile caps already applied)."""
    pairs = context.task.training_pairs(context.train_examples())
    return [{"prompt": p.prompt, "completion": p.target} for p in pairs]


def load_sft_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a local SFT JSONL: {prompt, completion} or conversational {messages}."""
    if not path.is_file():
        raise DataError(f"SFT data file not found: {path} (check the mode's `data`)")
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        if "messages" in row:
            rows.append({"messages": row["messages"]})
        elif "prompt" in row and "completion" in row:
            rows.append({"prompt": str(row["prompt"]), "completion": str(row["completion"])})
        else:
            raise DataError(
                f"{path} line {i + 1}: an SFT row needs 'prompt' and 'completion' (or "
                f"'messages'); got {sorted(row)}"
            )
    return rows


def _split_rows(
    rows: Sequence[dict[str, Any]], fraction: float, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    import random

    order = list(rows)
    random.Random(seed).shuffle(order)
    n_val = max(1, round(len(order) * fraction)) if fraction > 0 and len(order) > 1 else 0
    return order[n_val:], order[:n_val]


def _progress_callback(advance: Any) -> Any:
    from transformers import TrainerCallback

    class _Advance(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            advance(1)

    return _Advance()


def _fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(directory.glob("*.safetensors")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@register_method("sft")
class SFT(Method):
    """Fine-tune on prompt -> chain-of-thought + answer completions, then evaluate zero-shot."""

    options_model = SFTOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal"})
    train_split = TrainSplitUse(unless_set="data")  # a `data` file replaces the task's split
    description = "causal model + TRL SFT (lora or full) on the task's CoT + answer, or a JSONL"

    def _rows(self, context: MethodContext) -> list[dict[str, Any]]:
        options: SFTOptions = self.options  # type: ignore[assignment]
        if options.data:
            rows = load_sft_rows(Path(options.data))
            cap = context.spec.profile.max_train_examples
            return rows[:cap] if cap else rows
        return task_sft_rows(context)

    def prepare(self, context: MethodContext) -> Prepared:
        """Train (or reuse the run's model trained on the same data), wrap it in a backend."""
        options: SFTOptions = self.options  # type: ignore[assignment]
        spec = context.spec
        model, tokenizer = load_causal_model(spec.model)
        artifact = "adapter" if options.peft == "lora" else "model"
        shared = self._shared_folder(context)
        if shared is not None and (shared / _RECORD).is_file():
            context.log(f"{spec.id}: evaluating the SFT model already trained in {shared}")
            tuned = _load_tuned(model, shared / artifact, options.peft)
            record = TrainingRecord(**json.loads((shared / _RECORD).read_text(encoding="utf-8")))
        else:
            target = shared if shared is not None else context.out_dir
            tuned, record = self._train(context, model, tokenizer, target, artifact)
            if shared is not None:  # written last: its presence means the model is complete
                write_json_atomic(shared / _RECORD, dataclasses.asdict(record))
        if shared is not None:
            record = dataclasses.replace(
                record, artifact=os.path.relpath(shared / artifact, context.out_dir), shared=True
            )
        folder = shared if shared is not None else context.out_dir
        fingerprint = f"sft-{options.peft}:{_fingerprint(folder / artifact)}"
        backend = causal_backend(spec.model, tuned, tokenizer, fingerprint)
        return Prepared(backend, EvalContext(seed=spec.seed), record)

    def _shared_folder(self, context: MethodContext) -> Path | None:
        """The run-wide folder of a model trained on a data file (None for task data)."""
        options: SFTOptions = self.options  # type: ignore[assignment]
        if not options.data or context.shared_dir is None:
            return None
        spec = context.spec
        key = json.dumps(
            [
                spec.model.model_dump(),
                options.model_dump(),
                hashlib.sha256(Path(options.data).read_bytes()).hexdigest(),
                spec.seed,
                spec.profile.model_dump(),
            ],
            sort_keys=True,
            default=str,
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return context.shared_dir / f"sft-{spec.model.name}-{spec.mode.name}-{digest}"

    def _train(
        self, context: MethodContext, model: Any, tokenizer: Any, target: Path, artifact: str
    ) -> tuple[Any, TrainingRecord]:
        """Fine-tune with TRL and save the adapter (or model) as `target/artifact`."""
        import datasets
        import torch
        from transformers.trainer_callback import PrinterCallback
        from trl import SFTConfig, SFTTrainer

        options: SFTOptions = self.options  # type: ignore[assignment]
        spec = context.spec
        rows = self._rows(context)
        fitting = _fitting_rows(tokenizer, rows, options.max_length)
        if len(fitting) < len(rows):
            context.log(
                f"{spec.id}: {len(rows) - len(fitting)} of {len(rows)} SFT rows are longer than "
                f"max_length {options.max_length} tokens and were left out (truncation would cut "
                "their completions); raise the mode's max_length to keep them"
            )
        if not fitting:
            raise DataError(
                f"{spec.id}: no SFT training rows fit max_length {options.max_length}; raise it"
            )
        train, validation = _split_rows(fitting, options.validation_fraction, spec.seed)
        steps_per_epoch = max(1, math.ceil(len(train) / options.batch_size))
        steps_per_epoch = max(1, steps_per_epoch // options.gradient_accumulation_steps)
        total = math.ceil(steps_per_epoch * (spec.profile.epochs or options.epochs))
        if spec.profile.max_train_steps is not None:
            total = min(total, spec.profile.max_train_steps)
        checkpoints = context.out_dir / "checkpoints"
        args = SFTConfig(
            output_dir=str(checkpoints),
            max_steps=total,
            learning_rate=options.learning_rate,
            per_device_train_batch_size=options.batch_size,
            per_device_eval_batch_size=options.batch_size,
            gradient_accumulation_steps=options.gradient_accumulation_steps,
            warmup_steps=int(options.warmup_ratio * total),
            max_length=options.max_length,
            completion_only_loss=True,
            eval_strategy="steps" if validation else "no",
            eval_steps=max(1, min(steps_per_epoch, total)),
            save_strategy="no",
            logging_steps=max(1, min(10, total // 10)),
            seed=spec.seed,
            data_seed=spec.seed,
            report_to="none",
            disable_tqdm=True,
            use_cpu=not torch.cuda.is_available(),
            dataloader_num_workers=0,
            dataset_num_proc=None,
        )
        peft_config = None
        if options.peft == "lora":
            from peft import LoraConfig

            peft_config = LoraConfig(
                r=options.r,
                lora_alpha=options.alpha,
                lora_dropout=options.dropout,
                target_modules=options.target_modules,
                task_type="CAUSAL_LM",
            )
        with context.progress.track(f"train {spec.id}", total) as advance:
            trainer = SFTTrainer(
                model=model,
                args=args,
                train_dataset=datasets.Dataset.from_list(train),
                eval_dataset=datasets.Dataset.from_list(validation) if validation else None,
                processing_class=tokenizer,
                peft_config=peft_config,
                callbacks=[_progress_callback(advance)],
            )
            trainer.remove_callback(PrinterCallback)
            trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
            started = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - started
        shutil.rmtree(checkpoints, ignore_errors=True)
        tuned = trainer.model.eval()
        tuned.save_pretrained(target / artifact)
        record = TrainingRecord(
            seconds,
            trainable,
            sum(p.numel() for p in tuned.parameters()),
            _history(trainer.state.log_history, len(train), len(validation)),
            artifact,
        )
        return tuned, record


def _fitting_rows(
    tokenizer: Any, rows: Sequence[dict[str, Any]], max_length: int
) -> list[dict[str, Any]]:
    """Prompt/completion rows whose tokens fit `max_length`; conversational rows are kept.

    TRL truncates on the right, so a row that does not fit would lose its completion, the only
    part the loss is computed on.
    """
    pairs = [i for i, row in enumerate(rows) if "prompt" in row]
    texts = [rows[i]["prompt"] + rows[i]["completion"] for i in pairs]
    ids = tokenizer(texts)["input_ids"] if texts else []
    # TRL appends the end-of-text token to each completion: one more token must fit.
    too_long = {i for i, tokens in zip(pairs, ids, strict=True) if len(tokens) >= max_length}
    return [row for i, row in enumerate(rows) if i not in too_long]


def _load_tuned(model: Any, folder: Path, peft: str) -> Any:
    """The model trained earlier in this run: the base with its adapter, or the full weights."""
    if peft == "lora":
        from peft import PeftModel

        return PeftModel.from_pretrained(model, folder).eval()
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(folder, dtype=model.dtype).to(model.device).eval()


def _history(log_history: list[dict[str, Any]], n_train: int, n_validation: int) -> dict[str, Any]:
    train_loss = [
        {"step": e["step"], "epoch": e.get("epoch"), "loss": e["loss"]}
        for e in log_history
        if "loss" in e
    ]
    evaluations = [
        {"step": e["step"], "loss": e["eval_loss"]} for e in log_history if "eval_loss" in e
    ]
    return {
        "train_loss": train_loss,
        "eval": evaluations,
        "train_rows": n_train,
        "validation_rows": n_validation,
    }
