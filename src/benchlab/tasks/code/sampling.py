"""What every execution-scored code task shares: sampling options, predictions, pass@k.

HumanEval and MBPP differ in data and prompts only; sampling n completions, recording each
sandbox result with its isolation level, and pass@k with a bootstrap CI over problems are
kept here so both tasks score alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Self, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from benchlab.errors import ConfigError
from benchlab.requests import GenerationResult
from benchlab.sandbox import ExecutionResult, Limits
from benchlab.scoring.metric import MetricResult, metric_with_ci
from benchlab.scoring.pass_at_k import pass_at_k_per_problem
from benchlab.tasks.base import Example, Prediction

__all__ = [
    "SamplingOptions",
    "execution_predictions",
    "parse_options",
    "pass_at_k_metrics",
    "response_texts",
]

OptionsT = TypeVar("OptionsT", bound=BaseModel)


class SamplingOptions(BaseModel):
    """Sampling and execution settings common to code tasks, as written in the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    num_samples: int = Field(1, ge=1, description="completions per problem (n)")
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(0.95, gt=0, le=1)
    max_new_tokens: int = Field(512, ge=1)
    ks: list[int] = Field([1, 10, 100], description="pass@k reported where k <= num_samples")
    timeout: float = Field(3.0, gt=0, description="wall-clock seconds per program")
    workers: int | None = Field(None, ge=1, description="programs run at once")

    @model_validator(mode="after")
    def _check_sampling(self) -> Self:
        if self.num_samples > 1 and self.temperature == 0:
            raise ValueError(
                f"num_samples={self.num_samples} with temperature=0 gives identical samples; "
                "set temperature (e.g. 0.8) or num_samples: 1"
            )
        return self

    def limits(self) -> Limits:
        """Sandbox limits for one program: the wall-clock timeout, and CPU rounded up."""
        return Limits(wall_seconds=self.timeout, cpu_seconds=math.ceil(self.timeout))


def parse_options(model: type[OptionsT], name: str, options: Mapping[str, Any]) -> OptionsT:
    """Validate a task's options; the error names the task and the first bad field."""
    try:
        return model(**options)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"]) or "options"
        raise ConfigError(f"task {name!r}: {field}: {first['msg']}") from None


def response_texts(answer: Sequence[Any]) -> list[str]:
    """The sampled texts of a task's single generation request."""
    result = answer[0]
    return list(result.texts) if isinstance(result, GenerationResult) else [str(result)]


def execution_predictions(
    examples: Sequence[Example],
    inputs: Sequence[str],
    completions: Sequence[Sequence[str]],
    results: Sequence[ExecutionResult],
) -> list[Prediction]:
    """One prediction per example from its completions and their results, flat in order.

    `correct` is whether the first sample passed; details keep every sandbox result and the
    isolation level, which pass@k and a later audit of the run both need.
    """
    predictions, offset = [], 0
    for example, shown, own in zip(examples, inputs, completions, strict=True):
        mine = results[offset : offset + len(own)]
        offset += len(own)
        predictions.append(
            Prediction(
                example_id=example.id,
                input=shown,
                gold=example.gold,
                prediction=own[0] if len(own) == 1 else list(own),
                correct=mine[0].passed,
                details={
                    "num_samples": len(mine),
                    "num_correct": sum(r.passed for r in mine),
                    "results": [r.result for r in mine],
                    "isolation": mine[0].isolation,
                },
            )
        )
    return predictions


def pass_at_k_metrics(
    predictions: Sequence[Prediction], ks: Sequence[int], *, seed: int, n_resamples: int
) -> dict[str, MetricResult]:
    """pass@1 and pass@k (k <= samples of every problem), CI by bootstrap over problems."""
    if not predictions:
        return {}
    totals = np.array([p.details["num_samples"] for p in predictions])
    correct = np.array([p.details["num_correct"] for p in predictions])
    out = {}
    for k in sorted({1, *ks}):
        if (totals >= k).all():
            per_problem = pass_at_k_per_problem(totals, correct, k)
            out[f"pass@{k}"] = metric_with_ci(
                np.mean, per_problem, seed=seed, n_resamples=n_resamples
            )
    return out
