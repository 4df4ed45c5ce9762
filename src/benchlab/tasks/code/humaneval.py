"""HumanEval as a matrix task: prompt, sample, clean up, execute in the sandbox, pass@k.

Metrics are pass@1, and pass@k for each k in `ks` with k <= num_samples, each the mean over
problems of the unbiased per-problem estimate, with a bootstrap CI that resamples problems.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from benchlab.backends.requests import GenerationRequest, GenerationResult
from benchlab.errors import ConfigError, DataError
from benchlab.sandbox import Limits
from benchlab.scoring.metric import MetricResult, metric_with_ci
from benchlab.scoring.pass_at_k import pass_at_k_per_problem
from benchlab.tasks.base import EvalContext, Example, Prediction, Split, Task
from benchlab.tasks.code.completion import STOP_SEQUENCES, clean_completion
from benchlab.tasks.code.execution import execute_samples
from benchlab.tasks.code.problems import CodeProblem, load_problems
from benchlab.tasks.registry import TaskEntry, register_task

__all__ = ["HumanEvalOptions", "HumanEvalTask"]


class HumanEvalOptions(BaseModel):
    """HumanEval settings as written under a task in the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(None, description="local HumanEval.jsonl(.gz); default: the hub")
    num_samples: int = Field(1, ge=1, description="completions per problem (n)")
    temperature: float = Field(0.0, ge=0)
    top_p: float = Field(0.95, gt=0, le=1)
    max_new_tokens: int = Field(512, ge=1)
    ks: list[int] = Field([1, 10, 100], description="pass@k reported where k <= num_samples")
    timeout: float = Field(3.0, gt=0, description="wall-clock seconds per program")
    workers: int | None = Field(None, ge=1, description="programs run at once")

    @model_validator(mode="after")
    def _check_sampling(self) -> HumanEvalOptions:
        if self.num_samples > 1 and self.temperature == 0:
            raise ValueError(
                f"num_samples={self.num_samples} with temperature=0 gives identical samples; "
                "set temperature (e.g. 0.8) or num_samples: 1"
            )
        return self


class HumanEvalTask(Task):
    """OpenAI HumanEval (164 problems), scored by execution in the sandbox."""

    family = "code"

    def __init__(self, name: str, options: HumanEvalOptions) -> None:
        super().__init__(name)
        self.options = options
        self._problems: dict[str, CodeProblem] | None = None

    def problems(self) -> dict[str, CodeProblem]:
        """The problems by task_id, loaded once."""
        if self._problems is None:
            self._problems = load_problems(self.options.path)
        return self._problems

    def validate(self) -> None:
        """A configured local file exists and parses."""
        if self.options.path is not None:
            self.problems()

    def has_train_split(self) -> bool:
        """Never: HumanEval is an eval set only, so modes that train or show shots cannot run."""
        return False

    def load_split(self, split: Split) -> list[Example]:
        """The problems as examples; HumanEval has no training split."""
        if split != "eval":
            raise DataError(f"task {self.name!r}: HumanEval has only an eval split")
        return [
            Example(
                id=p.task_id,
                data={"prompt": p.prompt, "entry_point": p.entry_point, "test": p.test},
                gold=p.canonical_solution,
            )
            for p in self.problems().values()
        ]

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[GenerationRequest]:
        """One generation request for n samples of the completion (zero-shot)."""
        o = self.options
        return [
            GenerationRequest(
                prompt=example.data["prompt"],
                max_new_tokens=o.max_new_tokens,
                stop=STOP_SEQUENCES,
                temperature=o.temperature,
                top_p=o.top_p,
                num_samples=o.num_samples,
                seed=context.seed,
            )
        ]

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Execute each sample of one example; `correct` is whether the first sample passed."""
        return self.score_batch([example], [responses])[0]

    def score_batch(
        self, examples: Sequence[Example], responses: Sequence[Sequence[Any]]
    ) -> list[Prediction]:
        """Execute every sample of a chunk in one bounded worker pool."""
        completions = []
        for example, answer in zip(examples, responses, strict=True):
            result = answer[0]
            texts = list(result.texts) if isinstance(result, GenerationResult) else [str(result)]
            completions.append([clean_completion(t, example.data["entry_point"]) for t in texts])
        samples = [
            {"task_id": example.id, "completion": completion}
            for example, own in zip(examples, completions, strict=True)
            for completion in own
        ]
        limits = Limits(
            wall_seconds=self.options.timeout, cpu_seconds=math.ceil(self.options.timeout)
        )
        problems = self.problems()
        results = execute_samples(
            samples,
            {e.id: problems[e.id] for e in examples},
            workers=self.options.workers,
            limits=limits,
        )
        predictions, offset = [], 0
        for example, own in zip(examples, completions, strict=True):
            mine = results[offset : offset + len(own)]
            offset += len(own)
            predictions.append(
                Prediction(
                    example_id=example.id,
                    input=example.data["prompt"],
                    gold=example.gold,
                    prediction=own[0] if len(own) == 1 else own,
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

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """pass@1 and pass@k (k <= samples of every problem), CI by bootstrap over problems."""
        if not predictions:
            return {}
        totals = np.array([p.details["num_samples"] for p in predictions])
        correct = np.array([p.details["num_correct"] for p in predictions])
        ks = sorted({1, *self.options.ks})
        out = {}
        for k in ks:
            if (totals >= k).all():
                per_problem = pass_at_k_per_problem(totals, correct, k)
                out[f"pass@{k}"] = metric_with_ci(
                    np.mean, per_problem, seed=seed, n_resamples=n_resamples
                )
        return out

    def describe(self) -> Mapping[str, Any]:
        """Source and sampling settings for provenance."""
        return {
            "name": self.name,
            "family": self.family,
            "source": self.options.path or "hub:openai/openai_humaneval",
            **self.options.model_dump(exclude={"path"}),
        }


def build_humaneval(name: str, options: Mapping[str, Any]) -> HumanEvalTask:
    """Factory for the registry; option errors name the task and field."""
    from pydantic import ValidationError

    try:
        parsed = HumanEvalOptions(**options)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"]) or "options"
        raise ConfigError(f"task {name!r}: {field}: {first['msg']}") from None
    return HumanEvalTask(name, parsed)


register_task(
    TaskEntry(
        name="humaneval",
        family="code",
        description="OpenAI HumanEval (164 Python problems), pass@k by sandboxed execution",
        build=build_humaneval,
    )
)
