"""Kahneman-Tversky optimisation with TRL's KTOTrainer: single answers labelled good or bad.

The data is (prompt, completion, label) rows from a local JSONL or a hub dataset; from a task's
train split, each preference pair gives its chosen answer as desirable and its rejected one as
undesirable. Everything else (LoRA or full, reference, base modes, 4-bit) is as in DPO.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from benchlab.methods.preference import PreferenceMethod, PreferenceOptions
from benchlab.methods.preference_data import UNPAIRED_FIELDS, unpaired
from benchlab.methods.registry import register_method

__all__ = ["KTO", "KTOOptions"]


class KTOOptions(PreferenceOptions):
    """Preference options plus the weights of desirable and undesirable answers."""

    desirable_weight: float = Field(1.0, gt=0)
    undesirable_weight: float = Field(1.0, gt=0)


@register_method("kto")
class KTO(PreferenceMethod):
    """Align a causal model on answers labelled desirable or not; evaluate it zero-shot."""

    options_model = KTOOptions
    fields: ClassVar[tuple[str, ...]] = UNPAIRED_FIELDS
    label = "KTO"
    step_metrics: ClassVar[tuple[str, ...]] = ("rewards/", "logps/", "kl")
    description = "causal model + TRL KTO (lora or full) on prompt/completion/label rows"

    def to_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Paired rows (from the task) split into a desirable and an undesirable row each."""
        if rows and "rejected" in rows[0]:
            rows = unpaired(rows)
        return [{**row, "label": bool(row["label"])} for row in rows]

    def config_class(self) -> Any:
        """TRL's KTOConfig."""
        from trl import KTOConfig

        return KTOConfig

    def trainer_class(self) -> Any:
        """TRL's KTOTrainer."""
        from trl import KTOTrainer

        return KTOTrainer

    def loss_arguments(self) -> dict[str, Any]:
        """The weights of desirable and undesirable answers."""
        options: KTOOptions = self.options  # type: ignore[assignment]
        return {
            "desirable_weight": options.desirable_weight,
            "undesirable_weight": options.undesirable_weight,
        }
