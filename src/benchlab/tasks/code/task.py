"""The shape every execution-scored code task shares: sample, run in the sandbox, pass@k.

A subclass supplies its problems (`load_split`, whose examples carry the full `prompt`), its
stop sequences and how a completion becomes a program (`score_batch`); requests, scoring of
one example and the pass@k metrics are the same for HumanEval and MBPP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from benchlab.requests import GenerationRequest
from benchlab.scoring.metric import MetricResult
from benchlab.tasks.base import EvalContext, Example, Prediction, Task
from benchlab.tasks.code.sampling import SamplingOptions, pass_at_k_metrics

__all__ = ["ExecutionScoredTask"]


class ExecutionScoredTask(Task):
    """A code benchmark scored by executing sampled completions against its tests."""

    family = "code"
    #: Where generation stops (the end of the function or of the answer block).
    stop: ClassVar[tuple[str, ...]]
    options: SamplingOptions

    def has_train_split(self) -> bool:
        """Never: an execution benchmark is an eval set, so modes that train cannot run."""
        return False

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[GenerationRequest]:
        """One generation request for n samples of the example's full prompt."""
        o = self.options
        return [
            GenerationRequest(
                prompt=example.data["prompt"],
                max_new_tokens=o.max_new_tokens,
                stop=self.stop,
                temperature=o.temperature,
                top_p=o.top_p,
                num_samples=o.num_samples,
                seed=context.seed,
            )
        ]

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Execute each sample of one example; `correct` is whether the first sample passed."""
        return self.score_batch([example], [responses])[0]

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """pass@1 and pass@k (k <= samples of every problem), CI by bootstrap over problems."""
        return pass_at_k_metrics(predictions, self.options.ks, seed=seed, n_resamples=n_resamples)
