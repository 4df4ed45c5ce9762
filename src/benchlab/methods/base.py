"""The method seam: how a model is prepared for evaluation (prompted, fine-tuned, adapted)."""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from benchlab.backends.base import Backend
from benchlab.backends.registry import build_backend, load_model
from benchlab.backends.weights import LoadedModel
from benchlab.config.plan import ExperimentSpec
from benchlab.config.schema import ModelSpec
from benchlab.progress import ProgressReporter
from benchlab.tasks.base import EvalContext, Example, Task

__all__ = [
    "Method",
    "MethodContext",
    "MethodOptions",
    "Prepared",
    "TrainSplitUse",
    "TrainingRecord",
]


class MethodOptions(BaseModel):
    """Base for each method's options; unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class TrainSplitUse:
    """A method reads the task's train split, unless its option `unless_set` brings other data.

    Declared per method class so that a config can be checked before anything runs: a mode
    that needs training examples paired with a task that has none is refused or skipped.
    """

    unless_set: str | None = None

    def applies(self, options: MethodOptions) -> bool:
        """Whether, with these options, the method reads the task's train split."""
        return self.unless_set is None or getattr(options, self.unless_set) is None


@dataclass
class MethodContext:
    """What the runner hands a method: the experiment, its task and data, where to write."""

    spec: ExperimentSpec
    task: Task
    train_examples: Callable[[], Sequence[Example]]
    out_dir: Path
    progress: ProgressReporter
    log: Callable[[str], None] = print
    shared_dir: Path | None = None  # run-wide artifacts several experiments reuse

    def prepare_base(self) -> Prepared | None:
        """The prepared model of the mode's `base_mode` (trained once per run), or None."""
        base = self.spec.base
        if base is None:
            return None
        from benchlab.methods.registry import build_method

        self.log(f"{self.spec.id}: preparing its base mode {base.mode.name!r}")
        method = build_method(base.mode.method_type, base.mode.options)
        return method.prepare(dataclasses.replace(self, spec=base))

    def starting_model(
        self, base: Prepared | None = None, *, spec: ModelSpec | None = None, **options: Any
    ) -> LoadedModel:
        """The weights a training method starts from: its base mode's model, or the spec's.

        `base` is the already prepared base (from `prepare_base`). A base's adapter is merged
        into its weights first, so a new adapter (or a quantized copy) builds on what the base
        produced, not on a stack of adapters. A prompting base has no weights of its own.
        `spec` is the model entry to load with (default the experiment's), e.g. a quantized one:
        weights in memory cannot be quantized in place, so a base's are saved and loaded again.
        """
        spec = spec or self.spec.model
        if base is None or base.model is None:
            return load_model(spec, **options)
        loaded = base.model
        if hasattr(loaded.model, "merge_and_unload"):
            loaded = dataclasses.replace(loaded, model=loaded.model.merge_and_unload())
        if spec.quantization is None or spec.quantization == self.spec.model.quantization:
            return loaded
        folder = self.out_dir / "base-weights"
        loaded.model.save_pretrained(folder)
        return load_model(spec, weights=folder, **options)

    def starting_backend(self, base: Prepared | None = None) -> Backend:
        """The backend a prompting method evaluates: its base mode's, or the spec's model."""
        return build_backend(self.spec.model) if base is None else base.backend


@dataclass
class TrainingRecord:
    """What training cost and produced."""

    train_seconds: float
    trainable_parameters: int
    total_parameters: int
    history: dict[str, Any] = field(default_factory=dict)
    artifact: str | None = None
    shared: bool = False  # trained once for the run and reused by several experiments

    @property
    def trainable_percent(self) -> float:
        """Share of parameters that training updated, in percent."""
        return 100.0 * self.trainable_parameters / max(self.total_parameters, 1)


@dataclass
class Prepared:
    """A backend ready to answer requests, how to evaluate it, and what the method produced.

    `model` is the weights in memory (None for a remote API or a pure prompting method over a
    fresh load) and `artifact_dir` the saved adapter or model, so a mode can build on another.
    """

    backend: Backend
    eval_context: EvalContext
    training: TrainingRecord | None = None
    model: LoadedModel | None = None
    artifact_dir: Path | None = None


class Method(ABC):
    """A mode of the matrix: zero-shot, few-shot, fine-tune, LoRA, SFT, DPO, quantized..."""

    #: The options model validated against the mode's fields in the config.
    options_model: ClassVar[type[MethodOptions]] = MethodOptions
    #: Model kinds this method applies to ("encoder", "causal", "api").
    compatible_kinds: ClassVar[frozenset[str]]
    #: Task families this method applies to (None: all).
    compatible_families: ClassVar[frozenset[str] | None] = None
    #: How the method uses the task's train split (None: it never reads it).
    train_split: ClassVar[TrainSplitUse | None] = None
    description: ClassVar[str] = ""

    def __init__(self, options: MethodOptions) -> None:
        self.options = options

    def needs_train_split(self) -> bool:
        """Whether preparing this method, with its options, reads the task's train split."""
        return self.train_split is not None and self.train_split.applies(self.options)

    def validate(self) -> None:
        """Cheap checks of the options' own inputs (a data file's fields), before anything runs."""

    @abstractmethod
    def prepare(self, context: MethodContext) -> Prepared:
        """Load (and train, if the method trains) a model and say how to evaluate it."""
