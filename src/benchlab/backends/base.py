"""The backend seam: something that answers typed requests in batches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from benchlab.backends.requests import (
    ClassificationRequest,
    ClassificationResult,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)
from benchlab.errors import UnsupportedRequestError

__all__ = ["Backend"]


class Backend(ABC):
    """A model behind a uniform request interface.

    Backends answer whole batches so they can sort, pad and cache as they see fit; a request
    type a backend cannot serve raises UnsupportedRequestError naming the backend.
    """

    #: Examples per forward pass; the runner sets it to 1 to measure per-example latency.
    batch_size: int = 8
    #: The exact weights behind the backend (hub commit or local content hash), for provenance.
    revision: str | None = None

    @property
    @abstractmethod
    def fingerprint(self) -> str:
        """A stable identity of the model weights and settings, used as a cache key."""

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """Score each continuation given its context."""
        raise UnsupportedRequestError(f"{type(self).__name__} cannot score log-likelihoods")

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generate text for each prompt."""
        raise UnsupportedRequestError(f"{type(self).__name__} cannot generate text")

    def classify(self, requests: Sequence[ClassificationRequest]) -> list[ClassificationResult]:
        """Return class probabilities for each text."""
        raise UnsupportedRequestError(
            f"{type(self).__name__} has no classification head; use a causal model with "
            "prompting modes or fine-tune an encoder"
        )

    def parameter_count(self) -> int:
        """Total number of model parameters (0 when unknown, e.g. a remote API)."""
        return 0
