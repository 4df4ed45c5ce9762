"""Typed requests a task sends to a backend, and the answers it gets back.

The request model follows lm-evaluation-harness: a task turns examples into requests, a backend
answers batches of them without knowing which benchmark it serves. This package imports neither
torch nor any backend or task, so both sides can depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchlab.requests.media import Media

__all__ = [
    "ClassificationRequest",
    "ClassificationResult",
    "EmbeddingRequest",
    "EmbeddingResult",
    "GenerationRequest",
    "GenerationResult",
    "LoglikelihoodRequest",
    "LoglikelihoodResult",
    "Request",
]


@dataclass(frozen=True)
class LoglikelihoodRequest:
    """Score `continuation` given `context` (and any media): the log-probability of its tokens."""

    context: str
    continuation: str
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class LoglikelihoodResult:
    """Summed log-probability of a continuation, whether greedy decoding would produce it."""

    logprob: float
    is_greedy: bool
    num_tokens: int


@dataclass(frozen=True)
class GenerationRequest:
    """Generate from `prompt` until a stop sequence or `max_new_tokens`.

    `num_samples` samples are drawn; sample i is seeded with `seed + i`, so the samples of one
    item are reproducible whatever else runs before them.
    """

    prompt: str
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    top_p: float = 1.0
    num_samples: int = 1
    seed: int = 0
    chat: bool = False
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class GenerationResult:
    """The generated continuations (one per sample), stop sequences removed."""

    texts: tuple[str, ...]


@dataclass(frozen=True)
class ClassificationRequest:
    """Classify a text (or text pair) with a model that has a classification head."""

    text: str
    text_pair: str | None = None


@dataclass(frozen=True)
class ClassificationResult:
    """Class probabilities in label-index order."""

    probabilities: tuple[float, ...]


@dataclass(frozen=True)
class EmbeddingRequest:
    """Embed a text with a sentence encoder (semantic similarity of captions, for one)."""

    text: str


@dataclass(frozen=True)
class EmbeddingResult:
    """The text's unit-length embedding vector."""

    vector: tuple[float, ...]


Request = LoglikelihoodRequest | GenerationRequest | ClassificationRequest | EmbeddingRequest
