"""Tasks scored with a second model (a sentence encoder, say): what they ask of it, as a Protocol.

A task never loads a model. It names the model it wants (`scoring_model_spec`), turns its
predictions into requests for it, and takes the answers back into the predictions' details; the
runner's `scoring_model` pass builds that model through the backend registry and answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from benchlab.config.schema import ModelSpec
    from benchlab.tasks.base import Prediction

__all__ = ["ModelScoredTask"]


@runtime_checkable
class ModelScoredTask(Protocol):
    """A task whose metrics need a scoring model's answers about its predictions."""

    def scoring_model_spec(self) -> ModelSpec | None:
        """The scoring model (None: this configuration scores without one)."""
        ...

    def scoring_requests(self, predictions: Sequence[Prediction]) -> list[Any]:
        """Requests for the scoring model about `predictions`, in a fixed order."""
        ...

    def apply_scoring(self, predictions: Sequence[Prediction], answers: Sequence[Any]) -> None:
        """Store what the answers mean in each prediction's details (before metrics run)."""
        ...
