"""Zero-shot and few-shot prompting of a causal model: no training, demonstrations from train."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from benchlab.backends.weights import LoadedModel
from benchlab.methods.base import Method, MethodContext, MethodOptions, Prepared, TrainSplitUse
from benchlab.methods.registry import register_method
from benchlab.tasks.base import EvalContext
from benchlab.tasks.fewshot import FewShotSampler

__all__ = ["FewShot", "FewShotOptions", "ZeroShot", "base_model"]


class FewShotOptions(MethodOptions):
    """Number of demonstrations, how they are picked, and the seed of a random draw."""

    k: int = Field(5, ge=1)
    seed: int = 1234
    rule: Literal["task", "random", "first_n"] = Field(
        "task", description="task: the task's own rule (first_n for MMLU, else random)"
    )
    same_group: bool = Field(True, description="draw from the item's own subject when grouped")


@register_method("zero_shot")
class ZeroShot(Method):
    """The base model, prompted with the task's template alone."""

    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal", "api", "vlm"})
    description = "causal model, VLM or API, task prompt only (or the base_mode's model)"

    def prepare(self, context: MethodContext) -> Prepared:
        """The model (or its base mode's); evaluate without demonstrations."""
        base = context.prepare_base()
        backend = context.starting_backend(base)
        return Prepared(backend, EvalContext(seed=context.spec.seed), model=base_model(base))


@register_method("few_shot")
class FewShot(Method):
    """The base model with k demonstrations drawn from the train split by a fixed seed."""

    options_model = FewShotOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal", "api"})
    train_split = TrainSplitUse()
    description = "causal model or API, k demonstrations from the train split (k, seed)"

    def prepare(self, context: MethodContext) -> Prepared:
        """Load the model and a demonstration sampler over the training examples."""
        options: FewShotOptions = self.options  # type: ignore[assignment]
        rule = getattr(context.task, "fewshot_rule", "random")
        sampler = FewShotSampler(
            context.train_examples(),
            options.k,
            options.seed,
            rule=rule if options.rule == "task" else options.rule,
            same_group=options.same_group,
        )
        base = context.prepare_base()
        backend = context.starting_backend(base)
        evaluation = EvalContext(demonstrations=sampler, seed=context.spec.seed)
        return Prepared(backend, evaluation, model=base_model(base))


def base_model(base: Prepared | None) -> LoadedModel | None:
    """The weights a prompting mode evaluates when it builds on a base mode (else None)."""
    return None if base is None else base.model
