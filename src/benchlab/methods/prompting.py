"""Zero-shot and few-shot prompting of a causal model: no training, demonstrations from train."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from benchlab.backends.factory import causal_backend, load_causal_model
from benchlab.methods.base import Method, MethodContext, MethodOptions, Prepared, TrainSplitUse
from benchlab.methods.registry import register_method
from benchlab.tasks.base import EvalContext
from benchlab.tasks.fewshot import FewShotSampler

__all__ = ["FewShot", "FewShotOptions", "ZeroShot"]


class FewShotOptions(MethodOptions):
    """Number of demonstrations and the seed that picks them."""

    k: int = Field(5, ge=1)
    seed: int = 1234


@register_method("zero_shot")
class ZeroShot(Method):
    """The base model, prompted with the task's template alone."""

    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal"})
    description = "causal model, task prompt only"

    def prepare(self, context: MethodContext) -> Prepared:
        """Load the model; evaluate without demonstrations."""
        model, tokenizer = load_causal_model(context.spec.model)
        backend = causal_backend(context.spec.model, model, tokenizer)
        return Prepared(backend, EvalContext(seed=context.spec.seed))


@register_method("few_shot")
class FewShot(Method):
    """The base model with k demonstrations drawn from the train split by a fixed seed."""

    options_model = FewShotOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal"})
    train_split = TrainSplitUse()
    description = "causal model, k demonstrations from the train split (k, seed)"

    def prepare(self, context: MethodContext) -> Prepared:
        """Load the model and a demonstration sampler over the training examples."""
        options: FewShotOptions = self.options  # type: ignore[assignment]
        sampler = FewShotSampler(context.train_examples(), options.k, options.seed)
        model, tokenizer = load_causal_model(context.spec.model)
        backend = causal_backend(context.spec.model, model, tokenizer)
        return Prepared(backend, EvalContext(demonstrations=sampler, seed=context.spec.seed))
