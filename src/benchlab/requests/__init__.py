"""Requests and results shared by tasks and backends (torch-free, imports no other layer)."""

from benchlab.requests.answerer import Answerer
from benchlab.requests.keys import request_fields
from benchlab.requests.media import Media
from benchlab.requests.types import (
    ClassificationRequest,
    ClassificationResult,
    EmbeddingRequest,
    EmbeddingResult,
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    Request,
)

__all__ = [
    "Answerer",
    "ClassificationRequest",
    "ClassificationResult",
    "EmbeddingRequest",
    "EmbeddingResult",
    "GenerationRequest",
    "GenerationResult",
    "LoglikelihoodRequest",
    "LoglikelihoodResult",
    "Media",
    "Request",
    "request_fields",
]
