"""What DPO and KTO share: preference data, a LoRA or full policy, and its reference model.

With LoRA the reference is the starting model with the adapter switched off, so the base
weights are held once. With full weights the reference is an explicit frozen copy of the
starting model (the base mode's model when there is one, never a fresh load of the hub
weights). `quantization: nf4` trains the adapter on a 4-bit base (QLoRA).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from abc import abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from benchlab.backends.registry import build_backend, load_model
from benchlab.backends.weights import LoadedModel, attach_adapter, with_part
from benchlab.config.schema import ModelSpec
from benchlab.errors import DataError
from benchlab.methods.base import (
    Method,
    MethodContext,
    MethodOptions,
    Prepared,
    TrainingRecord,
    TrainSplitUse,
)
from benchlab.methods.preference_data import (
    PAIRED_FIELDS,
    drop_ties,
    hub_rows,
    read_rows,
    task_preference_rows,
)
from benchlab.methods.training import (
    TrainingPlan,
    TrainingQuantization,
    artifact_digest,
    carve_validation,
    check_quantization_support,
    experiment_key,
    prepare_quantized,
    quantization_summary,
    quantized_spec,
    run_trl_trainer,
    shared_folder,
    total_steps,
    train_once,
    trl_arguments,
)
from benchlab.tasks.base import EvalContext

__all__ = ["PreferenceMethod", "PreferenceOptions", "base_weight_copies"]


class PreferenceOptions(MethodOptions):
    """Data, policy shape and optimisation settings every preference method takes."""

    data: str | None = Field(None, description="local JSONL of preference rows; default: the task")
    dataset: str | None = Field(None, description="hub dataset id of preference rows")
    split: str = Field("train", description="the hub dataset's split")
    peft: Literal["lora", "full"] = "lora"
    r: int = Field(16, ge=1)
    alpha: float = Field(32, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] | str | None = "all-linear"
    quantization: TrainingQuantization | None = Field(
        None, description="nf4: train the adapter on a 4-bit base (QLoRA; bitsandbytes)"
    )
    beta: float = Field(0.1, gt=0)
    epochs: float = Field(1, gt=0)
    learning_rate: float = Field(5e-5, gt=0)
    batch_size: int = Field(8, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_length: int = Field(512, ge=8)
    precompute_ref_log_probs: bool = False
    validation_fraction: float = Field(0.0, ge=0, lt=1)
    warmup_ratio: float = Field(0.0, ge=0, lt=1)

    _quantization = field_validator("quantization")(check_quantization_support)

    @model_validator(mode="after")
    def _consistent(self) -> PreferenceOptions:
        if self.data is not None and self.dataset is not None:
            raise ValueError("give `data` (a local file) or `dataset` (a hub id), not both")
        if self.quantization is not None and self.peft != "lora":
            raise ValueError(
                f"quantization {self.quantization!r} trains an adapter on a frozen 4-bit base; "
                "set peft: lora (full weights cannot be trained in 4 bits)"
            )
        return self


def base_weight_copies(trainer: Any) -> int:
    """How many copies of each frozen base weight the trainer holds (1 with LoRA's reference)."""
    storages: dict[str, set[int]] = {}
    for model in (trainer.model, getattr(trainer, "ref_model", None)):
        if model is None:
            continue
        for name, parameter in model.named_parameters():
            if "lora_" in name:
                continue
            key = name.removeprefix("base_model.model.").replace(".base_layer", "")
            storages.setdefault(key, set()).add(parameter.data_ptr())
    return max((len(ptrs) for ptrs in storages.values()), default=0)


class PreferenceMethod(Method):
    """A TRL preference trainer over a causal model; subclasses name the trainer and its data."""

    options_model = PreferenceOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal"})
    train_split = TrainSplitUse(unless_set="data")  # `data` or `dataset` replaces the split
    #: The fields a row of the method's data has, what the log calls it, its folder prefix.
    fields: ClassVar[tuple[str, ...]] = PAIRED_FIELDS
    label: ClassVar[str] = ""
    #: Prefixes of the per-step training metrics kept in history.json.
    step_metrics: ClassVar[tuple[str, ...]] = ("rewards/", "logps/")

    def needs_train_split(self) -> bool:
        """A local file or a hub dataset replaces the task's train split."""
        options: PreferenceOptions = self.options  # type: ignore[assignment]
        return options.data is None and options.dataset is None

    def validate(self) -> None:
        """Read a local data file now, so a missing field fails before anything runs."""
        options: PreferenceOptions = self.options  # type: ignore[assignment]
        if options.data is not None:
            self.to_rows(read_rows(Path(options.data), self.fields))

    def to_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Rows in the method's own format (paired rows are kept as they are)."""
        return rows

    @abstractmethod
    def config_class(self) -> Any:
        """The TRL config class of the trainer."""

    @abstractmethod
    def trainer_class(self) -> Any:
        """The TRL trainer class."""

    def loss_arguments(self) -> dict[str, Any]:
        """The method's own loss settings for its TRL config."""
        return {}

    def rows(self, context: MethodContext) -> list[dict[str, Any]]:
        """Training rows from the data file, the hub or the task, capped by the profile."""
        options: PreferenceOptions = self.options  # type: ignore[assignment]
        spec = context.spec
        if options.data is not None:
            rows, source = read_rows(Path(options.data), self.fields), options.data
        elif options.dataset is not None:
            rows = hub_rows(options.dataset, options.split, self.fields)
            source = f"{options.dataset}[{options.split}]"
        else:
            examples = context.train_examples()
            rows = task_preference_rows(context.task, examples, spec.seed)
            source = f"task {spec.task.name!r} train split"
        cap = spec.profile.max_train_examples
        if cap and (options.data is not None or options.dataset is not None):
            rows = rows[:cap]  # the task's examples are capped already
        if rows and "rejected" in rows[0]:
            rows = drop_ties(rows, context.log, source)
        return self.to_rows(rows)

    def prepare(self, context: MethodContext) -> Prepared:
        """Train (or reuse the run's model trained on the same data), wrap it in a backend."""
        options: PreferenceOptions = self.options  # type: ignore[assignment]
        base = context.prepare_base()
        spec = quantized_spec(context.spec.model, options.quantization)
        artifact = "adapter" if options.peft == "lora" else "model"

        def train(target: Path) -> tuple[LoadedModel, TrainingRecord]:
            start = context.starting_model(base, spec=spec)
            return self._train(context, start, spec, target / artifact)

        def reload(folder: Path) -> LoadedModel:
            if options.peft == "lora":
                return attach_adapter(context.starting_model(base, spec=spec), folder)
            return load_model(context.spec.model, weights=folder)

        loaded, record, path = train_once(
            context, self._shared_folder(context), artifact, train, reload, label=self.label
        )
        backend = build_backend(spec, loaded=loaded)
        return Prepared(backend, EvalContext(seed=context.spec.seed), record, loaded, path)

    def _shared_folder(self, context: MethodContext) -> Path | None:
        """The run-wide folder of a model trained on task-independent data or serving as a base."""
        options: PreferenceOptions = self.options  # type: ignore[assignment]
        prefix = self.label.lower()
        if options.data is not None:
            data = hashlib.sha256(Path(options.data).read_bytes()).hexdigest()
        elif options.dataset is not None:
            data = f"{options.dataset}[{options.split}]"
        else:
            return shared_folder(context, prefix)
        key = [*experiment_key(context.spec, with_task=False), data]
        return shared_folder(context, prefix, key)

    def _train(
        self, context: MethodContext, loaded: LoadedModel, spec: ModelSpec, target: Path
    ) -> tuple[LoadedModel, TrainingRecord]:
        """Train the policy against its reference and save the adapter (or model) at `target`."""
        import datasets

        options: PreferenceOptions = self.options  # type: ignore[assignment]
        rows = self.rows(context)
        train, validation = carve_validation(rows, options.validation_fraction, context.spec.seed)
        if not train:
            raise DataError(f"{context.spec.id}: no {self.label} training rows")
        plan = TrainingPlan(
            options.epochs,
            options.learning_rate,
            options.batch_size,
            warmup_ratio=options.warmup_ratio,
            gradient_accumulation_steps=options.gradient_accumulation_steps,
        )
        per_epoch, steps = total_steps(len(train), plan, context.spec.profile)
        eval_every = min(per_epoch, steps) if validation else None
        arguments = trl_arguments(context, plan, steps, eval_every)
        args = self.config_class()(
            **arguments,
            beta=options.beta,
            max_length=options.max_length,
            precompute_ref_log_probs=options.precompute_ref_log_probs,
            **self.loss_arguments(),
        )
        model = loaded.model
        if spec.quantization is not None:
            model = prepare_quantized(model)
        peft_config, reference = None, None
        if options.peft == "lora":
            from peft import LoraConfig

            peft_config = LoraConfig(
                r=options.r,
                lora_alpha=options.alpha,
                lora_dropout=options.dropout,
                target_modules=options.target_modules,
                task_type="CAUSAL_LM",
            )
        elif not options.precompute_ref_log_probs:
            reference = copy.deepcopy(model).eval().requires_grad_(False)
        copies: list[int] = []

        def build(callbacks: list[Any]) -> Any:
            trainer = self.trainer_class()(
                model=model,
                ref_model=reference,
                args=args,
                train_dataset=datasets.Dataset.from_list(train),
                eval_dataset=datasets.Dataset.from_list(validation) if validation else None,
                processing_class=loaded.tokenizer,
                peft_config=peft_config,
                callbacks=callbacks,
            )
            copies.append(base_weight_copies(trainer))
            return trainer

        trainer, record = run_trl_trainer(context, build, steps, step_metrics=self.step_metrics)
        tuned = trainer.model.eval()
        tuned.save_pretrained(target)
        record.artifact = target.name
        record.history.update(
            train_rows=len(train),
            validation_rows=len(validation),
            reference=_reference_kind(options),
            base_weight_copies=copies[0],
            quantization=quantization_summary(spec),
        )
        part = "adapter" if options.peft == "lora" else "weights"
        tuned_loaded = dataclasses.replace(loaded, model=tuned)
        return with_part(tuned_loaded, f"{part}:{artifact_digest(target)}"), record


def _reference_kind(options: PreferenceOptions) -> str:
    """How the reference log-probabilities were obtained, for the record."""
    if options.precompute_ref_log_probs:
        return "precomputed before training"
    if options.peft == "lora":
        return "the starting model with the adapter disabled"
    return "a frozen copy of the starting model"
