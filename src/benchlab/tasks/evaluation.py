"""Runs a task against a backend: build requests, answer them in batches, score per chunk.

A backend that plans its own batches (`plan_window`: examples it may see at once) gets that
many examples' requests in one call, so it can sort, group shared prefixes and batch across the
whole task; scoring and progress still go chunk by chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from benchlab.requests import Answerer, GenerationRequest, LoglikelihoodRequest
from benchlab.tasks.base import EvalContext, Example, Prediction, Task
from benchlab.tasks.reasoning import extract_conclusions, reasoning_requests, record_trace

__all__ = ["answer_requests", "evaluate", "example_requests", "prompt_hash"]


def prompt_hash(requests: Sequence[Any]) -> str:
    """sha256 of the distinct prompts an example's requests show the model (media by hash)."""
    shown = []
    for request in requests:
        if isinstance(request, LoglikelihoodRequest):
            text = request.context
        elif isinstance(request, GenerationRequest):
            text = request.prompt
        else:
            text = f"{request.text}\x00{getattr(request, 'text_pair', None) or ''}"
        media = getattr(request, "media", ())
        shown.append(text + "".join(f"\x00{m.content_hash}" for m in media))
    return hashlib.sha256("\x01".join(dict.fromkeys(shown)).encode()).hexdigest()


def answer_requests(backend: Answerer, requests: Sequence[Any]) -> list[Any]:
    """Answer mixed requests, each batched by type and matched back by id.

    A request type the backend does not serve raises UnsupportedRequestError naming both.
    """
    return backend.answer(requests)


def example_requests(
    task: Task, example: Example, demonstrations: Sequence[Example], context: EvalContext
) -> list[Any]:
    """The task's requests for one example, asking for reasoning stages when the mode does."""
    requests = task.requests_for(example, demonstrations, context)
    if context.reasoning is None:
        return requests
    return reasoning_requests(requests, context.reasoning, task=task.name)


def evaluate(
    task: Task, backend: Answerer, examples: Sequence[Example], context: EvalContext
) -> list[Prediction]:
    """Predictions for every example, in input order, reporting progress per chunk.

    Each prediction records the ids of the demonstrations its prompt was given, so a reader
    can check that none came from the eval split.
    """
    predictions: list[Prediction] = []
    window = max(context.chunk_size, getattr(backend, "plan_window", 0))
    for start in range(0, len(examples), window):
        part = examples[start : start + window]
        shown = [context.demonstrations(example) for example in part]
        per_example = [
            example_requests(task, example, demonstrations, context)
            for example, demonstrations in zip(part, shown, strict=True)
        ]
        flat = [request for requests in per_example for request in requests]
        answers = answer_requests(backend, flat)
        grouped, offset = [], 0
        for requests in per_example:
            grouped.append(answers[offset : offset + len(requests)])
            offset += len(requests)
        traces = []
        if context.reasoning is not None:
            extracted = [extract_conclusions(responses) for responses in grouped]
            grouped = [responses for responses, _, _ in extracted]
            traces = [(trace, text) for _, trace, text in extracted]
        for at in range(0, len(part), context.chunk_size):
            end = at + context.chunk_size
            scored = task.score_batch(part[at:end], grouped[at:end])
            if traces:
                for prediction, (trace, text) in zip(scored, traces[at:end], strict=True):
                    record_trace(prediction.details, trace, text)
            _annotate(task, backend, scored, part[at:end], shown[at:end], per_example[at:end])
            predictions.extend(scored)
            context.advance(len(scored))
    return predictions


def _annotate(
    task: Task,
    backend: Answerer,
    scored: Sequence[Prediction],
    examples: Sequence[Example],
    shown: Sequence[Sequence[Example]],
    per_example: Sequence[Sequence[Any]],
) -> None:
    """Record what each prompt showed: demonstration ids, a hash of it, and any truncation."""
    truncated = getattr(backend, "truncated_requests", ())
    fixed = getattr(task, "fixed_shots", None)
    for prediction, example, demonstrations, requests in zip(
        scored, examples, shown, per_example, strict=True
    ):
        if demonstrations:
            prediction.demonstrations = [d.id for d in demonstrations]
        elif fixed is not None and (shots := fixed(example)):
            prediction.details["fixed_shots"] = [d.id for d in shots]
        prediction.details["prompt_sha256"] = prompt_hash(requests)
        if any(r in truncated for r in requests):
            prediction.details["truncated"] = True
