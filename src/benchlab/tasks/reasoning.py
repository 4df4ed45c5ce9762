"""Staged reasoning for any generating task: ask for the four stages, score the CONCLUSION.

A mode sets `EvalContext.reasoning`; `evaluate` then, for every generation request, appends the
instruction to the prompt, raises `max_new_tokens` to the mode's budget and drops the task's
stop sequences (they are meant for a short answer: a blank line or "Question:" would cut a trace
in the middle); the model stops at its end-of-sequence token or the budget. Before the task
scores, each generated text is replaced by its parsed CONCLUSION (`parse_trace`: "" when there
is no usable one), so every task's own extraction and metrics apply unchanged; the prediction
records the raw trace, its validity, problem, stage lengths and `extraction: "conclusion"`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchlab.errors import ConfigError
from benchlab.requests import GenerationRequest, GenerationResult
from benchlab.scoring.metric import MetricResult, metric_with_ci
from benchlab.scoring.reasoning_trace import STAGES, Trace, parse_trace

__all__ = [
    "DEFAULT_INSTRUCTION",
    "ReasoningPrompt",
    "extract_conclusions",
    "reasoning_metrics",
    "reasoning_requests",
    "record_trace",
]

DEFAULT_INSTRUCTION = (
    "Think in four stages before you answer, each inside its tags and in this order: "
    "<SUMMARY>how you will solve it</SUMMARY> "
    "<CAPTION>what the image shows or what the question gives</CAPTION> "
    "<REASONING>your reasoning, step by step</REASONING> "
    "<CONCLUSION>the final answer only, in the form the question asks for</CONCLUSION>"
)


@dataclass(frozen=True)
class ReasoningPrompt:
    """What a reasoning mode adds to generation: its instruction and its token budget."""

    instruction: str = DEFAULT_INSTRUCTION
    max_new_tokens: int = 512
    separator: str = "\n\n"


def reasoning_requests(
    requests: Sequence[Any], reasoning: ReasoningPrompt, *, task: str
) -> list[Any]:
    """The example's requests with every generation one asking for the stages.

    A task that answers by log-likelihood or classification only cannot show a trace, so it
    is refused (ConfigError naming the task) rather than evaluated without one.
    """
    if not any(isinstance(r, GenerationRequest) for r in requests):
        kinds = sorted({type(r).__name__ for r in requests})
        raise ConfigError(
            f"task {task!r} asks {', '.join(kinds) or 'nothing'} and no generation, so a "
            "reasoning (scratchpad) mode has no text to read a CONCLUSION from; use the task's "
            "generative form (e.g. a generation / chat option) or another mode"
        )
    return [
        dataclasses.replace(
            r,
            prompt=r.prompt + reasoning.separator + reasoning.instruction,
            max_new_tokens=max(r.max_new_tokens, reasoning.max_new_tokens),
            stop=(),
        )
        if isinstance(r, GenerationRequest)
        else r
        for r in requests
    ]


def extract_conclusions(responses: Sequence[Any]) -> tuple[list[Any], Trace, str]:
    """Responses with each generated text replaced by its CONCLUSION; the first trace and text."""
    replaced, first = [], None
    for response in responses:
        if isinstance(response, GenerationResult):
            traces = [parse_trace(text) for text in response.texts]
            if first is None and response.texts:
                first = (traces[0], response.texts[0])
            response = GenerationResult(tuple(t.answer for t in traces))
        replaced.append(response)
    if first is None:
        raise ValueError("no generated text among the responses")
    return replaced, first[0], first[1]


def record_trace(details: dict[str, Any], trace: Trace, text: str) -> None:
    """Add the raw trace, its validity, problem, stage lengths and the extraction rule."""
    details["trace"] = text
    details["trace_valid"] = trace.valid
    details["trace_problem"] = trace.problem
    details["trace_stage_words"] = trace.stage_words
    details["extraction"] = "conclusion"


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values))


def reasoning_metrics(
    predictions: Sequence[Any], *, seed: int = 0, n_resamples: int = 1000
) -> dict[str, MetricResult]:
    """`trace_well_formed` (share, with CI) and `trace_words/<STAGE>` (mean words, with CI)."""
    traced = [p for p in predictions if "trace_valid" in p.details]
    if not traced:
        return {}
    valid = np.array([p.details["trace_valid"] for p in traced], dtype=float)
    metrics = {
        "trace_well_formed": metric_with_ci(_mean, valid, seed=seed, n_resamples=n_resamples)
    }
    for stage in STAGES:
        words = [
            p.details["trace_stage_words"][stage]
            for p in traced
            if stage in p.details["trace_stage_words"]
        ]
        if words:
            metrics[f"trace_words/{stage}"] = metric_with_ci(
                _mean, np.array(words, dtype=float), seed=seed, n_resamples=n_resamples
            )
    return metrics
