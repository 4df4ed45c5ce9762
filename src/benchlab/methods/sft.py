"""Supervised fine-tuning of a causal model with TRL's SFTTrainer (LoRA or full weights).

The training data is prompt -> completion pairs: by default the task's own `training_pairs`
over its train split (chain of thought + final answer, e.g. "... The answer is 18." for
GSM8K), or a local JSONL of {prompt, completion} or chat {messages} rows. The loss covers the
completion only. Evaluation then asks the tuned model exactly as zero-shot asks the base one.

Data from a file does not depend on the task, so the model is trained once per run (per model,
mode settings, data, seed and profile) into the run's shared folder, and every task's
experiment evaluates that same model: one SFT model compared with its base on every benchmark.
The same holds when another mode builds on SFT (`base_mode: sft`). Training starts from the
mode's own `base_mode` model when it has one.

A vision-language model (`kind: vlm`) trains through TRL's vision collator instead
(`training.vision`): on the task's image + prompt -> answer pairs, or on LLaVA conversations
(`data:` a local .json / .jsonl with `images:`, or a hub id with `split` / `revision`). With
`answer_from: conclusion` (a model trained on LLaVA-CoT traces) it is evaluated on the answer in
the trace's <CONCLUSION>, with no instruction added to the prompt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from benchlab.backends.registry import build_backend, load_model
from benchlab.backends.weights import LoadedModel, attach_adapter, with_part
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
from benchlab.methods.training import (
    TrainingPlan,
    TrainingQuantization,
    VisionTraining,
    artifact_digest,
    carve_validation,
    check_quantization_support,
    data_identity,
    experiment_key,
    history_of,
    llava_rows,
    pair_rows,
    prepare_quantized,
    progress_callback,
    quantization_summary,
    quantized_spec,
    shared_folder,
    total_steps,
    train_once,
    train_vision_model,
    use_cpu,
)
from benchlab.tasks.base import EvalContext
from benchlab.tasks.reasoning import ReasoningPrompt

__all__ = ["SFT", "SFTOptions", "load_sft_rows", "task_sft_rows"]


class SFTOptions(MethodOptions):
    """Data, adapter and optimisation settings for supervised fine-tuning."""

    data: str | None = Field(
        None,
        description="local JSONL of {prompt, completion} or {messages}; for a VLM, LLaVA "
        "conversations (.json / .jsonl or a hub id); default: the task",
    )
    images: str | None = Field(
        None, description="image folder of LLaVA rows (default: the data file's folder)"
    )
    split: str = Field("train", description="hub split of LLaVA rows")
    revision: str | None = Field(None, description="hub revision of LLaVA rows")
    answer_from: Literal["text", "conclusion"] = Field(
        "text", description="conclusion: score the <CONCLUSION> of a staged trace (VLM)"
    )
    trace_max_new_tokens: int = Field(
        512, ge=1, description="token budget of a staged trace (answer_from: conclusion)"
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
    max_length: int = Field(
        1024, ge=8, description="rows longer than this (a VLM's image tokens counted) are left out"
    )
    validation_fraction: float = Field(0.05, ge=0, lt=1)
    warmup_ratio: float = Field(0.03, ge=0, lt=1)
    quantization: TrainingQuantization | None = Field(
        None, description="nf4: train the adapter on a 4-bit base (QLoRA; bitsandbytes)"
    )

    _quantization = field_validator("quantization")(check_quantization_support)

    @model_validator(mode="after")
    def _adapter_on_quantized(self) -> SFTOptions:
        if self.quantization is not None and self.peft != "lora":
            raise ValueError(
                f"quantization {self.quantization!r} trains an adapter on a frozen 4-bit base; "
                "set peft: lora"
            )
        return self


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


@register_method("sft")
class SFT(Method):
    """Fine-tune on prompt -> chain-of-thought + answer completions, then evaluate zero-shot."""

    options_model = SFTOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal", "vlm"})
    train_split = TrainSplitUse(unless_set="data")  # a `data` file replaces the task's split
    description = (
        "causal model or VLM + TRL SFT (lora or full) on the task's CoT + answer / image + "
        "answer, a JSONL, or LLaVA conversations"
    )

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
        base = context.prepare_base()
        artifact = "adapter" if options.peft == "lora" else "model"
        spec = quantized_spec(context.spec.model, options.quantization)

        def train(target: Path) -> tuple[LoadedModel, TrainingRecord]:
            return self._train(context, context.starting_model(base, spec=spec), target, artifact)

        def reload(folder: Path) -> LoadedModel:
            if options.peft == "lora":
                return attach_adapter(context.starting_model(base, spec=spec), folder)
            return load_model(context.spec.model, weights=folder)

        loaded, record, path = train_once(
            context, self._shared_folder(context), artifact, train, reload, label="SFT"
        )
        backend = build_backend(spec, loaded=loaded)
        evaluation = EvalContext(seed=context.spec.seed)
        if options.answer_from == "conclusion":  # no instruction: the model was trained to trace
            evaluation.reasoning = ReasoningPrompt("", options.trace_max_new_tokens, separator="")
        return Prepared(backend, evaluation, record, loaded, path)

    def _shared_folder(self, context: MethodContext) -> Path | None:
        """The run-wide folder of a model trained on a data file or serving as a base."""
        options: SFTOptions = self.options  # type: ignore[assignment]
        if not options.data:
            return shared_folder(context, "sft")
        if context.spec.model.kind == "vlm":
            data_hash = data_identity(options.data, split=options.split, revision=options.revision)
        else:
            data_hash = hashlib.sha256(Path(options.data).read_bytes()).hexdigest()
        key = [*experiment_key(context.spec, with_task=False), data_hash]
        return shared_folder(context, "sft", key)

    def _train(
        self, context: MethodContext, loaded: LoadedModel, target: Path, artifact: str
    ) -> tuple[LoadedModel, TrainingRecord]:
        """Fine-tune with TRL and save the adapter (or model) as `target/artifact`."""
        if context.spec.model.kind == "vlm":
            return self._train_vision(context, loaded, target, artifact)
        import datasets
        from transformers.trainer_callback import PrinterCallback
        from trl import SFTConfig, SFTTrainer

        options: SFTOptions = self.options  # type: ignore[assignment]
        spec = context.spec
        model, tokenizer = loaded.model, loaded.tokenizer
        if options.quantization is not None:
            model = prepare_quantized(model)
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
        train, validation = carve_validation(fitting, options.validation_fraction, spec.seed)
        plan = TrainingPlan(
            options.epochs,
            options.learning_rate,
            options.batch_size,
            gradient_accumulation_steps=options.gradient_accumulation_steps,
        )
        steps_per_epoch, total = total_steps(len(train), plan, spec.profile)
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
            use_cpu=use_cpu(),
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
                callbacks=[progress_callback(advance)],
            )
            trainer.remove_callback(PrinterCallback)
            trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
            started = time.perf_counter()
            trainer.train()
            seconds = time.perf_counter() - started
        shutil.rmtree(checkpoints, ignore_errors=True)
        tuned = trainer.model.eval()
        tuned.save_pretrained(target / artifact)
        if artifact == "model":  # a whole model folder, usable as a later config's `path:`
            tokenizer.save_pretrained(target / artifact)
        history = history_of(trainer.state.log_history)
        history.update(train_rows=len(train), validation_rows=len(validation))
        if options.quantization is not None:
            history["quantization"] = quantization_summary(
                quantized_spec(spec.model, options.quantization)
            )
        record = TrainingRecord(
            seconds, trainable, sum(p.numel() for p in tuned.parameters()), history, artifact
        )
        part = "adapter" if options.peft == "lora" else "weights"
        digest = artifact_digest(target / artifact)
        return with_part(dataclasses.replace(loaded, model=tuned), f"{part}:{digest}"), record

    def _train_vision(
        self, context: MethodContext, loaded: LoadedModel, target: Path, artifact: str
    ) -> tuple[LoadedModel, TrainingRecord]:
        """A VLM on LLaVA conversations or the task's image pairs, through TRL's vision path."""
        options: SFTOptions = self.options  # type: ignore[assignment]
        if options.data:
            rows = llava_rows(
                options.data,
                images=options.images,
                split=options.split,
                revision=options.revision,
                cap=context.spec.profile.max_train_examples,
            )
        else:
            rows = pair_rows(context.task.training_pairs(context.train_examples()))
        plan = TrainingPlan(
            options.epochs,
            options.learning_rate,
            options.batch_size,
            warmup_ratio=options.warmup_ratio,
            gradient_accumulation_steps=options.gradient_accumulation_steps,
        )
        settings = VisionTraining.from_options(plan, options, peft=options.peft)
        return train_vision_model(context, loaded, rows, settings, target, artifact)


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
