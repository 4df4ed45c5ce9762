"""A toy backend, added as a new backend is: this one module and one `register_backend` line.

It scores a continuation by a fixed function of its characters and never loads weights, so a
test knows every answer it gives without a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from benchlab.backends.base import Backend
from benchlab.backends.registry import register_backend
from benchlab.backends.weights import LoadedModel, fingerprint_of
from benchlab.requests import LoglikelihoodRequest, LoglikelihoodResult

__all__ = ["ToyBackend", "toy_logprob"]


def toy_logprob(continuation: str) -> float:
    """The toy model's log-probability: minus the mean character code, over 100."""
    return -sum(map(ord, continuation)) / max(len(continuation), 1) / 100


@register_backend("toy-chars", description="test backend: log-likelihood from character codes")
class ToyBackend(Backend):
    """Answers log-likelihood requests only; anything else is refused by the dispatcher."""

    serves: ClassVar = {LoglikelihoodRequest: "loglikelihood"}

    def __init__(self, fingerprint: str) -> None:
        self._fingerprint = fingerprint
        self.batches: list[int] = []

    @classmethod
    def load(cls, spec: Any, **options: Any) -> LoadedModel:
        """No weights: the 'model' is the scoring function."""
        return LoadedModel(toy_logprob, None, "toy-revision")

    @classmethod
    def from_spec(
        cls, spec: Any, *, adapter: Any = None, loaded: Any = None, tag: tuple[str, ...] = ()
    ) -> ToyBackend:
        """A toy backend whose fingerprint follows the loaded model's parts and the tag."""
        loaded = loaded or cls.load(spec)
        return cls(fingerprint_of(spec, loaded.revision, *loaded.parts, *tag))

    @property
    def fingerprint(self) -> str:
        """Identity of the toy model and whatever a method did to it."""
        return self._fingerprint

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """Every continuation scored by `toy_logprob`, in order."""
        self.batches.append(len(requests))
        return [
            LoglikelihoodResult(toy_logprob(r.continuation), False, len(r.continuation))
            for r in requests
        ]
