"""Direct preference optimisation of a causal model with TRL's DPOTrainer (LoRA or full).

The data is (prompt, chosen, rejected): a local JSONL (`data:`, plain text or chat messages),
a hub dataset (`dataset:`, `split:`), or the task's train split through
`training_data("preference")` (classification and multiple choice: the gold answer over a
seeded wrong one). With `base_mode: sft` DPO starts from that run's SFT model, trained once,
and that model is also the reference. history.json keeps the chosen / rejected rewards, their
margin and accuracy per logging step; evaluation asks the tuned model as zero-shot asks the base.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from benchlab.methods.preference import PreferenceMethod, PreferenceOptions
from benchlab.methods.registry import register_method

__all__ = ["DPO", "DPOOptions"]

#: TRL 1.x's DPO loss names (its DPOConfig.loss_type).
DPO_LOSSES = frozenset(
    {
        "sigmoid",
        "hinge",
        "ipo",
        "exo_pair",
        "nca_pair",
        "robust",
        "bco_pair",
        "sppo_hard",
        "aot",
        "aot_unpaired",
        "apo_zero",
        "apo_down",
        "discopop",
        "sft",
        "sigmoid_norm",
    }
)


class DPOOptions(PreferenceOptions):
    """Preference options plus DPO's loss type(s) and their weights."""

    loss_type: list[str] | str = Field(
        "sigmoid",
        validate_default=True,
        description="one TRL DPO loss or a list combined by loss_weights (e.g. MPO)",
    )
    loss_weights: list[float] | None = None
    label_smoothing: float = Field(0.0, ge=0, lt=0.5)

    @field_validator("loss_type")
    @classmethod
    def _known_losses(cls, value: list[str] | str) -> list[str]:
        losses = [value] if isinstance(value, str) else list(value)
        unknown = sorted(set(losses) - DPO_LOSSES)
        if unknown or not losses:
            raise ValueError(f"unknown DPO loss type {unknown}; use some of {sorted(DPO_LOSSES)}")
        return losses

    @model_validator(mode="after")
    def _one_weight_per_loss(self) -> DPOOptions:
        if self.loss_weights is not None and len(self.loss_weights) != len(self.loss_type):
            raise ValueError(
                f"loss_weights has {len(self.loss_weights)} entries for "
                f"{len(self.loss_type)} loss types; give one weight per loss_type"
            )
        return self


@register_method("dpo")
class DPO(PreferenceMethod):
    """Align a causal model on chosen-over-rejected pairs; evaluate it zero-shot."""

    options_model = DPOOptions
    label = "DPO"
    description = "causal model + TRL DPO (lora or full, beta, loss_type) on preference pairs"

    def config_class(self) -> Any:
        """TRL's DPOConfig."""
        from trl import DPOConfig

        return DPOConfig

    def trainer_class(self) -> Any:
        """TRL's DPOTrainer."""
        from trl import DPOTrainer

        return DPOTrainer

    def loss_arguments(self) -> dict[str, Any]:
        """Loss type(s), their weights and label smoothing."""
        options: DPOOptions = self.options  # type: ignore[assignment]
        return {
            "loss_type": list(options.loss_type),
            "loss_weights": options.loss_weights,
            "label_smoothing": options.label_smoothing,
        }
