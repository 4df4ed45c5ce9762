"""Runs a task against a backend: build requests per chunk, answer them in batches, score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.requests import Answerer
from benchlab.tasks.base import EvalContext, Example, Prediction, Task

__all__ = ["answer_requests", "evaluate"]


def answer_requests(backend: Answerer, requests: Sequence[Any]) -> list[Any]:
    """Answer mixed requests, each batched by type and matched back by id.

    A request type the backend does not serve raises UnsupportedRequestError naming both.
    """
    return backend.answer(requests)


def evaluate(
    task: Task, backend: Answerer, examples: Sequence[Example], context: EvalContext
) -> list[Prediction]:
    """Predictions for every example, in input order, reporting progress per chunk.

    Each prediction records the ids of the demonstrations its prompt was given, so a reader
    can check that none came from the eval split.
    """
    predictions: list[Prediction] = []
    for start in range(0, len(examples), context.chunk_size):
        chunk = examples[start : start + context.chunk_size]
        shown = [context.demonstrations(example) for example in chunk]
        per_example = [
            task.requests_for(example, demonstrations, context)
            for example, demonstrations in zip(chunk, shown, strict=True)
        ]
        flat = [request for requests in per_example for request in requests]
        answers = answer_requests(backend, flat)
        grouped, offset = [], 0
        for requests in per_example:
            grouped.append(answers[offset : offset + len(requests)])
            offset += len(requests)
        scored = task.score_batch(chunk, grouped)
        for prediction, demonstrations in zip(scored, shown, strict=True):
            if demonstrations:
                prediction.demonstrations = [d.id for d in demonstrations]
        predictions.extend(scored)
        context.advance(len(chunk))
    return predictions
