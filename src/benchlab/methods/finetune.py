"""Full fine-tuning of an encoder with a classification head (HF Trainer, best checkpoint kept)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from benchlab.backends.registry import build_backend, load_model
from benchlab.backends.weights import LoadedModel, place, with_part
from benchlab.errors import ConfigError
from benchlab.methods.base import Method, MethodContext, MethodOptions, Prepared, TrainSplitUse
from benchlab.methods.registry import register_method
from benchlab.methods.training import TrainingPlan, carve_validation, run_trainer
from benchlab.tasks.base import EvalContext
from benchlab.tasks.classification import ClassificationTask

__all__ = ["FineTune", "FineTuneOptions"]


class FineTuneOptions(MethodOptions):
    """Hyper-parameters of encoder fine-tuning."""

    epochs: float = Field(3, gt=0)
    learning_rate: float = Field(2e-5, gt=0)
    batch_size: int = Field(16, ge=1)
    max_length: int = Field(128, ge=8)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    validation_fraction: float = Field(0.1, ge=0, lt=1)
    pooling: Literal["auto", "cls", "mean"] = Field(
        "auto",
        description="head input: the model's own [CLS] head, or mean-pooled token states; "
        "auto picks mean for sentence-transformers models that declare it",
    )


@register_method("finetune")
class FineTune(Method):
    """Encoder + classification head, all weights trained; the best validation epoch is kept."""

    options_model = FineTuneOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"encoder"})
    compatible_families: ClassVar[frozenset[str] | None] = frozenset({"classification"})
    train_split = TrainSplitUse()
    description = "encoder full fine-tune (epochs, learning_rate, batch_size, max_length)"

    def prepare(self, context: MethodContext) -> Prepared:
        """Fine-tune on a validation-carved train split and load the best checkpoint."""
        from transformers import DataCollatorWithPadding

        options: FineTuneOptions = self.options  # type: ignore[assignment]
        task = context.task
        if not isinstance(task, ClassificationTask):
            raise ConfigError(f"finetune needs a classification task, not {task.family}")
        spec = context.spec.model
        loaded = _classifier(spec, task.label_names, options.pooling)
        model, tokenizer = loaded.model, loaded.tokenizer

        def encode(examples):
            rows = []
            for e in examples:
                encoded = tokenizer(
                    e.data["text"],
                    e.data.get("text_pair"),
                    truncation=True,
                    max_length=options.max_length,
                )
                rows.append({**encoded, "labels": e.gold})
            return rows

        train, validation = carve_validation(
            context.train_examples(), options.validation_fraction, context.spec.seed
        )
        plan = TrainingPlan(
            epochs=options.epochs,
            learning_rate=options.learning_rate,
            batch_size=options.batch_size,
            weight_decay=options.weight_decay,
            warmup_ratio=options.warmup_ratio,
            metric_for_best_model="eval_accuracy",
            greater_is_better=True,
        )
        model, record = run_trainer(
            context,
            model,
            encode(train),
            encode(validation),
            plan,
            collator=DataCollatorWithPadding(tokenizer),
            compute_metrics=_accuracy,
        )
        best = context.out_dir / "model"
        model.save_pretrained(best)
        tokenizer.save_pretrained(best)
        record.artifact = "model"
        eval_spec = spec.model_copy(update={"max_length": options.max_length})
        tuned = with_part(dataclasses.replace(loaded, model=model), f"finetune:{context.spec.id}")
        backend = build_backend(eval_spec, loaded=tuned)
        evaluation = EvalContext(use_classifier_head=True)
        return Prepared(backend, evaluation, record, tuned, best)


def _classifier(spec, names: list[str], pooling: str) -> LoadedModel:
    """The model to train: the standard sequence-classification head or a mean-pooling one.

    Loaded in the checkpoint's own dtype (`dtype=None`), as training has always started.
    """
    from benchlab.backends.loading import model_location
    from benchlab.methods.mean_pooling import MeanPoolingClassifier, uses_mean_pooling

    if pooling == "mean" or (pooling == "auto" and uses_mean_pooling(model_location(spec))):
        encoder = load_model(spec, auto_class="AutoModel", dtype=None)
        head = MeanPoolingClassifier(encoder.model, len(names))
        return dataclasses.replace(encoder, model=place(head, spec))
    return load_model(spec, labels=names, dtype=None)


def _accuracy(prediction) -> dict[str, float]:
    logits, labels = prediction.predictions, prediction.label_ids
    return {"accuracy": float(np.mean(np.argmax(logits, axis=-1) == labels))}
