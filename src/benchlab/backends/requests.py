"""Former home of the request types; they live in `benchlab.requests` (torch-free, shared)."""

from benchlab.requests import (
    ClassificationRequest,
    ClassificationResult,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)

__all__ = [
    "ClassificationRequest",
    "ClassificationResult",
    "GenerationRequest",
    "GenerationResult",
    "LoglikelihoodRequest",
    "LoglikelihoodResult",
]
