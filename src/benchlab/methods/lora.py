"""LoRA adaptation of a causal model on the task's prompt -> answer pairs (peft + HF Trainer).

The model learns to produce the task's answer after its zero-shot prompt; evaluation then asks
the adapted model exactly as zero-shot asks the base one, so the two are directly comparable.
A vision-language model (`kind: vlm`) learns the task's image + prompt -> answer pairs through
TRL's vision collator (`training.vision`: loss on the answer only, image tokens never cut).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator

from benchlab.backends.hf_causal import encode_pair
from benchlab.backends.registry import build_backend
from benchlab.backends.weights import LoadedModel, attach_adapter, with_part
from benchlab.config.schema import ModelSpec
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
    footprint_mb,
    pair_rows,
    prepare_quantized,
    quantization_summary,
    quantized_spec,
    run_trainer,
    shared_folder,
    train_once,
    train_vision_model,
)
from benchlab.tasks.base import EvalContext, TrainingPair

__all__ = ["LoRA", "LoRAOptions", "completion_features", "pad_completion_batch"]


class LoRAOptions(MethodOptions):
    """Adapter shape and training hyper-parameters."""

    r: int = Field(8, ge=1)
    alpha: float = Field(16, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | str | None = Field(
        None, description="module names, 'all-linear', or None for peft's default per model"
    )
    epochs: float = Field(1, gt=0)
    learning_rate: float = Field(2e-4, gt=0)
    batch_size: int = Field(8, ge=1)
    max_length: int = Field(
        256, ge=8, description="longer rows are cut (a VLM's rows, image tokens counted, left out)"
    )
    validation_fraction: float = Field(0.1, ge=0, lt=1)
    quantization: TrainingQuantization | None = Field(
        None, description="nf4: train the adapter on a 4-bit base (QLoRA; bitsandbytes)"
    )

    _quantization = field_validator("quantization")(check_quantization_support)


def completion_features(
    tokenizer: Any,
    pairs: Sequence[TrainingPair],
    max_length: int,
    add_bos_token: bool | None = None,
) -> list[dict[str, list[int]]]:
    """Token ids with labels only on the target, tokenized as evaluation tokenizes them."""
    rows = []
    for pair in pairs:
        prompt_ids, target_ids = encode_pair(
            tokenizer, pair.prompt, pair.target, add_bos_token=add_bos_token
        )
        ids = (prompt_ids + target_ids)[-max_length:]
        n_target = min(len(target_ids), len(ids))
        labels = [-100] * (len(ids) - n_target) + ids[len(ids) - n_target :]
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels})
    return rows


def pad_completion_batch(pad_id: int):
    """A collator that right-pads ids with the pad token and labels with -100."""

    def collate(rows: Sequence[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(r["input_ids"]) for r in rows)

        def pad(key: str, value: int) -> Any:
            return torch.tensor([r[key] + [value] * (width - len(r[key])) for r in rows])

        return {
            "input_ids": pad("input_ids", pad_id),
            "attention_mask": pad("attention_mask", 0),
            "labels": pad("labels", -100),
        }

    return collate


@register_method("lora")
class LoRA(Method):
    """Low-rank adapters on a frozen causal model; only the adapter is saved."""

    options_model = LoRAOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal", "vlm"})
    train_split = TrainSplitUse()
    description = "causal model or VLM + LoRA adapter (r, alpha, dropout, target_modules...)"

    def prepare(self, context: MethodContext) -> Prepared:
        """Train an adapter (or reuse the run's), save it, evaluate the adapted model zero-shot."""
        options: LoRAOptions = self.options  # type: ignore[assignment]
        base = context.prepare_base()
        spec = quantized_spec(context.spec.model, options.quantization)

        def reload(folder: Path) -> LoadedModel:
            return attach_adapter(context.starting_model(base, spec=spec), folder)

        loaded, record, artifact = train_once(
            context,
            shared_folder(context, "lora"),
            "adapter",
            lambda target: self._train(context, context.starting_model(base, spec=spec), target),
            reload,
            label="LoRA",
        )
        loaded, spec = self.evaluated_model(context, base, loaded, artifact, spec)
        backend = build_backend(spec, loaded=loaded)
        return Prepared(backend, EvalContext(seed=context.spec.seed), record, loaded, artifact)

    def evaluated_model(
        self,
        context: MethodContext,
        base: Prepared | None,
        loaded: LoadedModel,
        artifact: Path,
        spec: ModelSpec,
    ) -> tuple[LoadedModel, ModelSpec]:
        """The weights to evaluate and the model entry they load as: the trained model itself."""
        return loaded, spec

    def _train(
        self, context: MethodContext, loaded: LoadedModel, target: Path
    ) -> tuple[LoadedModel, TrainingRecord]:
        """Fit the adapter on the task's pairs and save it as `target/adapter`."""
        from peft import LoraConfig, get_peft_model

        options: LoRAOptions = self.options  # type: ignore[assignment]
        if context.spec.model.kind == "vlm":
            settings = VisionTraining.from_options(
                TrainingPlan(options.epochs, options.learning_rate, options.batch_size), options
            )
            rows = pair_rows(context.task.training_pairs(context.train_examples()))
            return train_vision_model(context, loaded, rows, settings, target, "adapter")
        spec = context.spec.model
        tokenizer = loaded.tokenizer
        config = LoraConfig(
            r=options.r,
            lora_alpha=options.alpha,
            lora_dropout=options.dropout,
            target_modules=options.target_modules,
            task_type="CAUSAL_LM",
        )
        quantized = options.quantization is not None
        model = loaded.model
        if quantized:
            model = prepare_quantized(model)
        model = get_peft_model(model, config)
        train, validation = carve_validation(
            context.train_examples(), options.validation_fraction, context.spec.seed
        )
        task = context.task
        plan = TrainingPlan(options.epochs, options.learning_rate, options.batch_size)
        model, record = run_trainer(
            context,
            model,
            completion_features(
                tokenizer, task.training_pairs(train), options.max_length, spec.add_bos_token
            ),
            completion_features(
                tokenizer, task.training_pairs(validation), options.max_length, spec.add_bos_token
            ),
            plan,
            collator=pad_completion_batch(tokenizer.pad_token_id),
        )
        adapter_dir = target / "adapter"
        model.save_pretrained(adapter_dir)
        record.artifact = "adapter"
        if quantized:
            record.history["quantization"] = quantization_summary(
                quantized_spec(context.spec.model, options.quantization)
            )
        # Recorded with and without a 4-bit base, so QLoRA and LoRA compare on one model.
        record.history["memory"] = {"model_footprint_mb": footprint_mb(model)}
        tuned = dataclasses.replace(loaded, model=model)
        return with_part(tuned, f"adapter:{artifact_digest(adapter_dir)}"), record
