"""The scratchpad mode: ask for the four reasoning stages, score the CONCLUSION.

It evaluates the spec's model, or its `base_mode`'s prepared model (a LoRA or SFT model, few-shot
demonstrations and all), so baseline, baseline + scratchpad, fine-tuned and fine-tuned +
scratchpad are four modes of one matrix, paired on the same items.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from pydantic import Field

from benchlab.methods.base import Method, MethodContext, MethodOptions, Prepared
from benchlab.methods.prompting import base_model
from benchlab.methods.registry import register_method
from benchlab.tasks.base import EvalContext
from benchlab.tasks.reasoning import DEFAULT_INSTRUCTION, ReasoningPrompt

__all__ = ["Scratchpad", "ScratchpadOptions"]


class ScratchpadOptions(MethodOptions):
    """The instruction appended to each generation prompt and the token budget for the trace."""

    instruction: str = Field(DEFAULT_INSTRUCTION, min_length=1)
    max_new_tokens: int = Field(512, ge=1, description="at least this many tokens per answer")


@register_method("scratchpad")
class Scratchpad(Method):
    """The base model (or the base mode's) asked to reason in stages before it answers."""

    options_model = ScratchpadOptions
    compatible_kinds: ClassVar[frozenset[str]] = frozenset({"causal", "api", "vlm"})
    #: Families whose answer is generated text a CONCLUSION can hold (a multiple-choice task
    #: scored by likelihood is refused at evaluation, naming the task).
    compatible_families: ClassVar[frozenset[str] | None] = frozenset(
        {"math", "multiple_choice", "caption"}
    )
    description = (
        "causal model, VLM or API (or the base_mode's model) asked for SUMMARY / CAPTION / "
        "REASONING / CONCLUSION; scored on the CONCLUSION (instruction, max_new_tokens)"
    )

    def prepare(self, context: MethodContext) -> Prepared:
        """The base's backend and evaluation settings, with the reasoning prompt added."""
        options: ScratchpadOptions = self.options  # type: ignore[assignment]
        base = context.prepare_base()
        backend = context.starting_backend(base)
        evaluation = base.eval_context if base is not None else EvalContext(seed=context.spec.seed)
        reasoning = ReasoningPrompt(options.instruction, options.max_new_tokens)
        evaluation = dataclasses.replace(evaluation, reasoning=reasoning)
        return Prepared(backend, evaluation, model=base_model(base))
