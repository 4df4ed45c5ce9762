"""Fine-tuning a vision-language model (LoRA, QLoRA or full) with TRL's SFTTrainer.

TRL's vision collator (`DataCollatorForVisionLanguageModeling`) renders each prompt with the
model's chat template and processes its images, renders the answer after it, and with
`completion_only_loss` gives every prompt token (image tokens included) the label -100, so the
loss covers the assistant's answer alone. TRL truncates a collated batch on the right at
`max_length`, which could cut image tokens out of a long prompt; so TRL is given no
`max_length` at all, and rows longer than the mode's `max_length` (counted as the collator
will count them, images expanded) are left out before training, each named in the log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchlab.backends.weights import LoadedModel, with_part
from benchlab.errors import DataError
from benchlab.methods.base import MethodContext, TrainingRecord
from benchlab.methods.training.artifacts import artifact_digest
from benchlab.methods.training.data import carve_validation
from benchlab.methods.training.loop import TrainingPlan, total_steps
from benchlab.methods.training.quantization import (
    prepare_quantized,
    quantization_summary,
    quantized_spec,
)
from benchlab.methods.training.trl_trainer import run_trl_trainer, trl_arguments
from benchlab.methods.training.vision_rows import VisionRow, lazy_dataset, row_lengths

__all__ = ["VisionTraining", "fitting_vision_rows", "train_vision_model", "vision_collator"]

#: Row ids named in the log when rows are left out for length (the rest are counted).
_NAMED = 5


@dataclass(frozen=True)
class VisionTraining:
    """What a VLM training mode asks for: adapter shape, optimisation, length cap."""

    plan: TrainingPlan
    peft: Literal["lora", "full"] = "lora"
    r: int = 8
    alpha: float = 16
    dropout: float = 0.05
    target_modules: list[str] | str | None = "all-linear"
    max_length: int | None = None
    validation_fraction: float = 0.0
    quantization: str | None = None

    @classmethod
    def from_options(cls, plan: TrainingPlan, options: Any, peft: str = "lora") -> VisionTraining:
        """The settings a LoRA or SFT mode's options name (same field names in both)."""
        return cls(
            plan,
            peft=peft,  # type: ignore[arg-type]
            r=options.r,
            alpha=options.alpha,
            dropout=options.dropout,
            target_modules=options.target_modules,
            max_length=options.max_length,
            validation_fraction=options.validation_fraction,
            quantization=options.quantization,
        )


def vision_collator(processor: Any) -> Any:
    """TRL's vision collator as training uses it: loss on the completion, nothing truncated."""
    from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

    return DataCollatorForVisionLanguageModeling(
        processor=processor, max_length=None, completion_only_loss=True
    )


def fitting_vision_rows(
    context: MethodContext, processor: Any, rows: Sequence[VisionRow], max_length: int | None
) -> list[VisionRow]:
    """Rows whose collated length fits `max_length` (all when None); the others are named."""
    if max_length is None:
        return list(rows)
    lengths = row_lengths(processor, rows)
    long = [(row.id, n) for row, n in zip(rows, lengths, strict=True) if n > max_length]
    if long:
        named = ", ".join(f"{row_id} ({n} tokens)" for row_id, n in long[:_NAMED])
        more = f" and {len(long) - _NAMED} more" if len(long) > _NAMED else ""
        context.log(
            f"{context.spec.id}: {len(long)} of {len(rows)} training rows are longer than "
            f"max_length {max_length} with their image tokens and were left out: {named}{more}"
            " (raise the mode's max_length to keep them; rows are never truncated)"
        )
    kept = [row for row, n in zip(rows, lengths, strict=True) if n <= max_length]
    if not kept:
        raise DataError(
            f"{context.spec.id}: no training row fits max_length {max_length} with its image "
            f"tokens (the shortest has {min(lengths)}); raise the mode's max_length"
        )
    return kept


def train_vision_model(
    context: MethodContext,
    loaded: LoadedModel,
    rows: Sequence[VisionRow],
    settings: VisionTraining,
    target: Path,
    artifact: str,
) -> tuple[LoadedModel, TrainingRecord]:
    """Train on the rows with TRL, save the adapter (or model) as `target/artifact`."""
    from trl import SFTConfig, SFTTrainer

    spec = context.spec
    processor, model = loaded.tokenizer, loaded.model
    if settings.quantization is not None:
        model = prepare_quantized(model)
    fitting = fitting_vision_rows(context, processor, rows, settings.max_length)
    train, validation = carve_validation(fitting, settings.validation_fraction, spec.seed)
    steps_per_epoch, steps = total_steps(len(train), settings.plan, spec.profile)
    eval_every = max(1, min(steps_per_epoch, steps)) if validation else None
    args = SFTConfig(
        **trl_arguments(context, settings.plan, steps, eval_every),
        max_length=None,  # never truncate: image tokens would be cut (rows were length-checked)
        completion_only_loss=True,
        remove_unused_columns=False,  # the lazy rows' columns exist only once materialised
    )
    peft_config = None
    if settings.peft == "lora":
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=settings.r,
            lora_alpha=settings.alpha,
            lora_dropout=settings.dropout,
            target_modules=settings.target_modules,
            task_type="CAUSAL_LM",
        )

    def build(callbacks: list[Any]) -> Any:
        return SFTTrainer(
            model=model,
            args=args,
            train_dataset=lazy_dataset(train),
            eval_dataset=lazy_dataset(validation) if validation else None,
            processing_class=processor,
            data_collator=vision_collator(processor),
            peft_config=peft_config,
            callbacks=callbacks,
        )

    trainer, record = run_trl_trainer(context, build, steps)
    tuned = trainer.model
    tuned.save_pretrained(target / artifact)
    record.artifact = artifact
    record.history.update(train_rows=len(train), validation_rows=len(validation))
    if settings.quantization is not None:
        record.history["quantization"] = quantization_summary(
            quantized_spec(spec.model, settings.quantization)
        )
    part = "adapter" if settings.peft == "lora" else "weights"
    digest = artifact_digest(target / artifact)
    return with_part(dataclasses.replace(loaded, model=tuned), f"{part}:{digest}"), record
