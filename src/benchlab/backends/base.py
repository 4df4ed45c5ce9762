"""The backend seam: something that answers typed requests in batches."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.errors import ConfigError, UnsupportedRequestError
from benchlab.requests import (
    ClassificationRequest,
    ClassificationResult,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)

if TYPE_CHECKING:
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

__all__ = ["Backend"]

#: The standard request types and the method that answers each.
_STANDARD: dict[type, str] = {
    LoglikelihoodRequest: "loglikelihood",
    GenerationRequest: "generate",
    ClassificationRequest: "classify",
}


class Backend(ABC):
    """A model behind a uniform request interface.

    Backends answer whole batches so they can sort, pad and cache as they see fit. Each backend
    declares the request types it serves (`serves`: request type -> method name; by default the
    standard methods it overrides); any other type raises UnsupportedRequestError naming both.
    """

    #: Registry name and one-line description, set by `register_backend`.
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: Request type -> name of the method answering a batch of them (None: inferred).
    serves: ClassVar[Mapping[type, str] | None] = None
    #: Examples per forward pass; the runner sets it to 1 to measure per-example latency.
    batch_size: int = 8
    #: The exact weights behind the backend (hub commit or local content hash), for provenance.
    revision: str | None = None

    @classmethod
    def load(cls, spec: ModelSpec, **options: Any) -> LoadedModel:
        """The model's weights in memory, for methods that train them (local backends only)."""
        raise ConfigError(
            f"model {spec.name!r}: backend {cls.name!r} has no local weights to train or adapt; "
            "use it with prompting modes (zero_shot, few_shot)"
        )

    @classmethod
    def check_available(cls, spec: ModelSpec) -> str | None:
        """Why this machine cannot serve the model (checked at validate time), or None."""
        return None

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        *,
        adapter: str | None = None,
        loaded: LoadedModel | None = None,
        tag: tuple[str, ...] = (),
    ) -> Backend:
        """A ready backend for a model entry (or over weights a method produced)."""
        raise NotImplementedError(f"backend {cls.name!r} cannot be built from a model entry")

    @property
    @abstractmethod
    def fingerprint(self) -> str:
        """A stable identity of the model weights and settings, used as a cache key."""

    @classmethod
    def served_types(cls) -> dict[type, str]:
        """The request types this backend answers, with the method answering each."""
        if cls.serves is not None:
            return dict(cls.serves)
        return {
            kind: method
            for kind, method in _STANDARD.items()
            if getattr(cls, method) is not getattr(Backend, method)
        }

    def handler_for(self, request_type: type) -> Callable[[Sequence[Any]], list[Any]]:
        """The bound method answering a batch of `request_type`, or a clear error."""
        method = self.served_types().get(request_type)
        if method is None or getattr(type(self), method) is getattr(Backend, method, None):
            served = ", ".join(sorted(t.__name__ for t in self.served_types())) or "nothing"
            raise UnsupportedRequestError(
                f"backend {self.name or type(self).__name__!r} cannot answer "
                f"{request_type.__name__}; it serves: {served}. Pair this task with a model "
                "whose backend serves that request type"
            )
        return getattr(self, method)

    def answer(self, requests: Sequence[Any]) -> list[Any]:
        """Answer mixed requests: batched per type, matched back to each request by its id."""
        ids_by_type: dict[type, list[int]] = {}
        for request_id, request in enumerate(requests):
            ids_by_type.setdefault(type(request), []).append(request_id)
        handlers = {kind: self.handler_for(kind) for kind in ids_by_type}  # refuse before work
        answers: dict[int, Any] = {}
        for kind, ids in ids_by_type.items():
            batch = handlers[kind]([requests[i] for i in ids])
            if len(batch) != len(ids):
                raise RuntimeError(
                    f"backend {self.name or type(self).__name__!r} returned {len(batch)} answers "
                    f"for {len(ids)} {kind.__name__}s"
                )
            answers.update(zip(ids, batch, strict=True))
        return [answers[i] for i in range(len(requests))]

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """Score each continuation given its context."""
        return self.handler_for(LoglikelihoodRequest)(requests)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generate text for each prompt."""
        return self.handler_for(GenerationRequest)(requests)

    def classify(self, requests: Sequence[ClassificationRequest]) -> list[ClassificationResult]:
        """Return class probabilities for each text."""
        return self.handler_for(ClassificationRequest)(requests)

    def parameter_count(self) -> int:
        """Total number of model parameters (0 when unknown, e.g. a remote API)."""
        return 0
