"""QLoRA: LoRA adapters trained on the base model loaded in 4-bit NF4 (bitsandbytes).

The base is loaded through the backend's `quantization` option (NF4 with double quantization,
compute in the model's dtype, recorded), prepared for k-bit training by peft, and the adapter
trains on top. The adapter is evaluated on the 4-bit base it was trained on, or, with
`evaluate_merged: true`, merged into the full-precision base. Other adapter modes (sft, dpo,
kto, lora) take the same backbone with `quantization: nf4`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from benchlab.backends.weights import LoadedModel, attach_adapter, with_part
from benchlab.config.schema import ModelSpec
from benchlab.methods.base import MethodContext, Prepared
from benchlab.methods.lora import LoRA, LoRAOptions
from benchlab.methods.registry import register_method
from benchlab.methods.training import TrainingQuantization

__all__ = ["QLoRA", "QLoRAOptions"]


class QLoRAOptions(LoRAOptions):
    """LoRA's options with a 4-bit base by default, and where the adapter is evaluated."""

    quantization: TrainingQuantization | None = Field(
        "nf4", validate_default=True, description="nf4: the 4-bit NF4 base (bitsandbytes)"
    )
    evaluate_merged: bool = Field(
        False, description="evaluate the adapter merged into the full-precision base"
    )


@register_method("qlora")
class QLoRA(LoRA):
    """LoRA on a 4-bit NF4 base; only the adapter is saved."""

    options_model = QLoRAOptions
    description = "causal model in 4-bit NF4 + LoRA adapter (bitsandbytes; evaluate_merged)"
    train_split = LoRA.train_split
    compatible_kinds: ClassVar[frozenset[str]] = LoRA.compatible_kinds

    def evaluated_model(
        self,
        context: MethodContext,
        base: Prepared | None,
        loaded: LoadedModel,
        artifact: Path,
        spec: ModelSpec,
    ) -> tuple[LoadedModel, ModelSpec]:
        """The adapter on its 4-bit base, or merged into the full-precision base."""
        options: QLoRAOptions = self.options  # type: ignore[assignment]
        if not options.evaluate_merged:
            return loaded, spec
        full = attach_adapter(context.starting_model(base), artifact)
        merged = dataclasses.replace(full, model=full.model.merge_and_unload())
        return with_part(merged, "merged"), context.spec.model
