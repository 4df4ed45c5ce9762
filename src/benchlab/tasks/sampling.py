"""M sampled answers per example, each extracted and checked by the task's own scoring.

Shared by the consistency pass and `benchlab distill`: the task builds its usual requests, its
one generation request is re-issued with `num_samples`, temperature, top-p and a per-item seed,
and every sample is scored alone through `task.score_batch`, so math answers are extracted as in
evaluation, multiple-choice letters compared with the gold and code run in the sandbox.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchlab.errors import ConfigError
from benchlab.requests import Answerer, GenerationRequest, GenerationResult
from benchlab.scoring.reasoning_trace import parse_trace
from benchlab.tasks.base import EvalContext, Example, Sample, Task
from benchlab.tasks.reasoning import ReasoningPrompt, reasoning_requests

__all__ = [
    "SamplingSettings",
    "item_seed",
    "sample_examples",
    "sampling_request",
    "score_samples",
]


@dataclass(frozen=True)
class SamplingSettings:
    """How many samples per item, at which temperature and top-p, from which base seed."""

    samples: int
    temperature: float
    top_p: float = 1.0
    seed: int = 0


def item_seed(seed: int, item_id: str) -> int:
    """The seed of an item's first sample: a hash of the run seed and the item id (31 bits).

    Sample i of the item uses this + i, so an item's samples do not depend on which other items
    run, in which order or in which batch.
    """
    digest = hashlib.sha256(f"{seed}\x1f{item_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x3FFFFFFF


def sampling_request(
    task: Task,
    example: Example,
    demonstrations: Sequence[Example],
    settings: SamplingSettings,
    reasoning: ReasoningPrompt | None = None,
) -> GenerationRequest:
    """The task's generation request for one example, re-issued for M seeded samples."""
    requests = task.requests_for(example, demonstrations, EvalContext(seed=settings.seed))
    if reasoning is not None:  # a scratchpad mode's samples ask for the stages too
        requests = reasoning_requests(requests, reasoning, task=task.name)
    if len(requests) != 1 or not isinstance(requests[0], GenerationRequest):
        kinds = sorted({type(r).__name__ for r in requests})
        raise ConfigError(
            f"task {task.name!r} asks {len(requests)} request(s) of type {kinds} per item; "
            "sampling needs exactly one GenerationRequest (use a generation task, or a "
            "multiple-choice task with a generation format)"
        )
    return dataclasses.replace(
        requests[0],
        num_samples=settings.samples,
        temperature=settings.temperature,
        top_p=settings.top_p,
        seed=item_seed(settings.seed, example.id),
    )


def _answer(value: object) -> str | None:
    """An extracted answer as a string key (None stays None: nothing was extracted)."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def score_samples(
    task: Task,
    examples: Sequence[Example],
    results: Sequence[GenerationResult],
    *,
    conclusions: bool = False,
) -> list[list[Sample]]:
    """Each example's samples, scored one sample index at a time by the task.

    With `conclusions`, the task scores each sample's CONCLUSION (as evaluation does for a
    reasoning mode); the sample keeps its whole text.
    """
    width = len(results[0].texts) if results else 0
    scored: list[list[Sample]] = [[] for _ in examples]
    for j in range(width):
        texts = [result.texts[j] for result in results]
        if conclusions:
            texts = [parse_trace(text).answer for text in texts]
        single = [[GenerationResult((text,))] for text in texts]
        for own, prediction, result in zip(
            scored, task.score_batch(examples, single), results, strict=True
        ):
            own.append(
                Sample(result.texts[j], _answer(prediction.prediction), bool(prediction.correct))
            )
    return scored


def sample_examples(
    task: Task,
    backend: Answerer,
    examples: Sequence[Example],
    settings: SamplingSettings,
    *,
    demonstrations: Callable[[Example], Sequence[Example]] = lambda example: (),
    chunk_size: int = 64,
    advance: Callable[[int], None] = lambda n: None,
    reasoning: ReasoningPrompt | None = None,
) -> list[list[Sample]]:
    """M scored samples per example, in example order; chunks are answered as one batch."""
    if settings.samples < 1:
        raise ConfigError(f"samples must be at least 1, got {settings.samples}")
    out: list[list[Sample]] = []
    for start in range(0, len(examples), chunk_size):
        chunk = examples[start : start + chunk_size]
        requests = [
            sampling_request(task, e, demonstrations(e), settings, reasoning) for e in chunk
        ]
        results = backend.answer(requests)
        out.extend(score_samples(task, chunk, results, conclusions=reasoning is not None))
        advance(len(chunk))
    return out
