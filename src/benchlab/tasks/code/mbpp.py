"""MBPP as a matrix task: lm-eval's 3-shot prompt, sample, execute the asserts, pass@k.

The shots belong to the task (lm-eval always shows the same three), so MBPP, like HumanEval,
has no training split and modes that train or draw shots are skipped for it. Metrics are
those of HumanEval: pass@1 and pass@k for k <= num_samples, CI by bootstrap over problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from benchlab.errors import DataError
from benchlab.sandbox import run_programs
from benchlab.tasks.base import Example, Prediction, Split
from benchlab.tasks.code.mbpp_problems import (
    HUB_DATASET,
    STOP,
    MbppProblem,
    check_program,
    load_mbpp,
    load_shots,
    mbpp_prompt,
)
from benchlab.tasks.code.sampling import (
    SamplingOptions,
    execution_predictions,
    parse_options,
    response_texts,
)
from benchlab.tasks.code.task import ExecutionScoredTask
from benchlab.tasks.registry import TaskEntry, register_task

__all__ = ["MbppOptions", "MbppTask", "build_mbpp"]


class MbppOptions(SamplingOptions):
    """MBPP settings as written under a task in the config."""

    eval: str | None = Field(None, description="local MBPP JSON/JSONL; default: hub test split")
    shots: str | None = Field(None, description="local shots file; default: lm-eval's three")


class MbppTask(ExecutionScoredTask):
    """Google's MBPP (500 test problems), prompted as lm-eval does, scored in the sandbox."""

    stop = (STOP,)

    def __init__(self, name: str, options: MbppOptions) -> None:
        super().__init__(name)
        self.options = options
        self._problems: dict[str, MbppProblem] | None = None
        self._shots: list[MbppProblem] | None = None

    def problems(self) -> dict[str, MbppProblem]:
        """The problems to evaluate by task_id, loaded once."""
        if self._problems is None:
            self._problems = load_mbpp(self.options.eval)
        return self._problems

    def shots(self) -> list[MbppProblem]:
        """The problems shown before every query, loaded once."""
        if self._shots is None:
            self._shots = load_shots(self.options.shots)
        return self._shots

    def validate(self) -> None:
        """Configured local files exist and parse."""
        if self.options.eval is not None:
            self.problems()
        if self.options.shots is not None:
            self.shots()

    def load_split(self, split: Split) -> list[Example]:
        """The problems as examples with their full prompt; MBPP has no training split."""
        if split != "eval":
            raise DataError(f"task {self.name!r}: MBPP has only an eval split")
        shots = self.shots()
        return [
            Example(
                id=p.task_id,
                data={"prompt": mbpp_prompt(p, shots), "query": mbpp_prompt(p)},
                gold=p.code,
            )
            for p in self.problems().values()
        ]

    def score_batch(
        self, examples: Sequence[Example], responses: Sequence[Sequence[Any]]
    ) -> list[Prediction]:
        """Execute every sample of a chunk in one bounded worker pool.

        A completion is used as generated, as lm-eval does, cut at `[DONE]` in case a
        backend did not honour the stop sequence.
        """
        completions = [
            [text.split(STOP, 1)[0] for text in response_texts(answer)] for answer in responses
        ]
        problems = self.problems()
        programs = [
            check_program(problems[example.id], completion)
            for example, own in zip(examples, completions, strict=True)
            for completion in own
        ]
        results = run_programs(programs, workers=self.options.workers, limits=self.options.limits())
        inputs = [e.data["query"] for e in examples]
        return execution_predictions(examples, inputs, completions, results)

    def describe(self) -> Mapping[str, Any]:
        """Sources and sampling settings for provenance."""
        return {
            "name": self.name,
            "family": self.family,
            "source": self.options.eval or f"hub:{HUB_DATASET} (full, test)",
            "shots": self.options.shots or f"hub:{HUB_DATASET} (full, prompt) task_id 2-4",
            **self.options.model_dump(exclude={"eval", "shots"}),
        }


def build_mbpp(name: str, options: Mapping[str, Any]) -> MbppTask:
    """Factory for the registry; option errors name the task and field."""
    return MbppTask(name, parse_options(MbppOptions, name, options))


register_task(
    TaskEntry(
        name="mbpp",
        family="code",
        description="Google MBPP (500 Python problems), lm-eval 3-shot prompt, sandboxed pass@k",
        build=build_mbpp,
    )
)
