"""HumanEval as a matrix task: prompt, sample, clean up, execute in the sandbox, pass@k.

Metrics are pass@1, and pass@k for each k in `ks` with k <= num_samples, each the mean over
problems of the unbiased per-problem estimate, with a bootstrap CI that resamples problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from benchlab.errors import DataError
from benchlab.tasks.base import Example, Prediction, Split
from benchlab.tasks.code.completion import STOP_SEQUENCES, clean_completion
from benchlab.tasks.code.execution import execute_samples
from benchlab.tasks.code.problems import CodeProblem, load_problems
from benchlab.tasks.code.sampling import (
    SamplingOptions,
    execution_predictions,
    parse_options,
    response_texts,
)
from benchlab.tasks.code.task import ExecutionScoredTask
from benchlab.tasks.registry import TaskEntry, register_task

__all__ = ["HumanEvalOptions", "HumanEvalTask"]


class HumanEvalOptions(SamplingOptions):
    """HumanEval settings as written under a task in the config."""

    path: str | None = Field(None, description="local HumanEval.jsonl(.gz); default: the hub")


class HumanEvalTask(ExecutionScoredTask):
    """OpenAI HumanEval (164 problems), scored by execution in the sandbox."""

    stop = STOP_SEQUENCES

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

    def score_batch(
        self, examples: Sequence[Example], responses: Sequence[Sequence[Any]]
    ) -> list[Prediction]:
        """Execute every sample of a chunk in one bounded worker pool."""
        completions = [
            [clean_completion(t, example.data["entry_point"]) for t in response_texts(answer)]
            for example, answer in zip(examples, responses, strict=True)
        ]
        samples = [
            {"task_id": example.id, "completion": completion}
            for example, own in zip(examples, completions, strict=True)
            for completion in own
        ]
        problems = self.problems()
        results = execute_samples(
            samples,
            {e.id: problems[e.id] for e in examples},
            workers=self.options.workers,
            limits=self.options.limits(),
        )
        inputs = [e.data["prompt"] for e in examples]
        return execution_predictions(examples, inputs, completions, results)

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
    return HumanEvalTask(name, parse_options(HumanEvalOptions, name, options))


register_task(
    TaskEntry(
        name="humaneval",
        family="code",
        description="OpenAI HumanEval (164 Python problems), pass@k by sandboxed execution",
        build=build_humaneval,
    )
)
