"""The task seam: a benchmark turns examples into requests and scores the answers.

A task never imports torch; it only speaks the request types of `benchlab.requests`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from benchlab.requests import Media, Request
from benchlab.scoring.metric import MetricResult
from benchlab.tasks.reasoning import ReasoningPrompt

__all__ = [
    "EvalContext",
    "Example",
    "Prediction",
    "PreferenceTriple",
    "Request",
    "Sample",
    "Split",
    "Task",
    "TrainingKind",
    "TrainingPair",
]

Split = Literal["train", "eval"]
TrainingKind = Literal["sft", "preference"]


@dataclass(frozen=True)
class Example:
    """One benchmark item: task-specific fields, the gold answer and an optional group."""

    id: str
    data: Mapping[str, Any]
    gold: Any
    group: str | None = None


@dataclass(frozen=True)
class Sample:
    """One sampled answer to an example: the raw text, its extracted answer, and correctness."""

    text: str
    answer: Any
    correct: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with a stable key order."""
        return {"text": self.text, "answer": self.answer, "correct": self.correct}


@dataclass
class Prediction:
    """A scored answer to one example, written as one line of predictions.jsonl."""

    example_id: str
    input: str
    gold: Any
    prediction: Any
    correct: bool | None
    details: dict[str, Any] = field(default_factory=dict)
    group: str | None = None
    demonstrations: list[str] | None = None  # ids of the train examples shown in the prompt
    #: Further samples (M samples per item), each with its own extracted answer; the primary
    #: answer stays in `prediction`, so a single-sample prediction writes exactly as before.
    samples: list[Sample] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with a stable key order."""
        record = {
            "id": self.example_id,
            "input": self.input,
            "gold": self.gold,
            "prediction": self.prediction,
            "correct": self.correct,
        }
        if self.group is not None:
            record["group"] = self.group
        if self.demonstrations is not None:
            record["demonstrations"] = self.demonstrations
        record.update(self.details)
        if len(self.samples) > 1:
            record["samples"] = [sample.to_json() for sample in self.samples]
        return record


@dataclass(frozen=True)
class TrainingPair:
    """A prompt and the target text a language model is trained to produce after it.

    `media` are the images a vision-language model sees with the prompt (none for text).
    """

    prompt: str
    target: str
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class PreferenceTriple:
    """A prompt with a preferred and a dispreferred completion, for DPO-style training."""

    prompt: str
    chosen: str
    rejected: str


@dataclass
class EvalContext:
    """What a method decided about evaluation: demonstrations, staged reasoning, progress."""

    demonstrations: Callable[[Example], Sequence[Example]] = lambda example: ()
    use_classifier_head: bool = False
    seed: int = 0
    advance: Callable[[int], None] = lambda n: None
    chunk_size: int = 64
    #: Ask generating tasks for the four reasoning stages and score the CONCLUSION (None: off).
    reasoning: ReasoningPrompt | None = None


class Task(ABC):
    """A benchmark: where its data comes from, how to ask a model, how to score the answers."""

    #: Benchmark family, e.g. "classification", "multiple_choice", "math", "code".
    family: ClassVar[str]
    #: Option fields that supply a train split when set (read from the task's `options`).
    train_options: ClassVar[tuple[str, ...]] = ("train", "holdout_fraction")

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def load_split(self, split: Split) -> list[Example]:
        """All examples of a split; `eval` is the split users report on (e.g. GLUE dev)."""

    @abstractmethod
    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[Request]:
        """The requests that answer one example, in a fixed order."""

    @abstractmethod
    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Turn the backend's answers to `requests_for(example)` into a prediction."""

    def score_batch(
        self, examples: Sequence[Example], responses: Sequence[Sequence[Any]]
    ) -> list[Prediction]:
        """Score a chunk at once; tasks whose scoring calls out (a judge) override it."""
        return [self.score(e, r) for e, r in zip(examples, responses, strict=True)]

    @abstractmethod
    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """Aggregate metrics, each with n and a 95% confidence interval."""

    def write_artifacts(
        self,
        predictions: Sequence[Prediction],
        folder: Path,
        *,
        seed: int = 0,
        n_resamples: int = 1000,
    ) -> None:
        """Write task-specific report files under the experiment's `folder` (default: none)."""

    def training_pairs(self, examples: Sequence[Example]) -> list[TrainingPair]:
        """Prompt/target pairs for language-model training modes (LoRA, SFT)."""
        raise NotImplementedError(f"task {self.name!r} does not define training targets")

    def training_data(
        self, kind: TrainingKind, examples: Sequence[Example], *, seed: int = 0
    ) -> list[TrainingPair] | list[PreferenceTriple]:
        """Training rows of one kind: "sft" prompt/target pairs or "preference" triples.

        Preference triples need a way to produce a rejected answer, which only some tasks have
        (multiple choice: a seeded wrong choice); the others say so clearly.
        """
        if kind == "sft":
            return self.training_pairs(examples)
        if kind == "preference":
            return self.preference_triples(examples, seed=seed)
        raise ValueError(f"unknown training data kind {kind!r}; use 'sft' or 'preference'")

    def preference_triples(
        self, examples: Sequence[Example], *, seed: int = 0
    ) -> list[PreferenceTriple]:
        """(prompt, chosen, rejected) triples for preference training (DPO)."""
        raise NotImplementedError(
            f"task {self.name!r} ({self.family}) cannot build preference pairs from its train "
            "split; give the mode a JSONL of prompt/chosen/rejected rows instead"
        )

    def validate(self) -> None:
        """Cheap checks run before anything is written (local files exist, columns are there)."""

    def train_option_fields(self) -> list[str]:
        """Those of `train_options` that this task's options declare: what a user could set."""
        options = getattr(self, "options", None)
        return [name for name in self.train_options if hasattr(options, name)]

    def has_train_split(self) -> bool:
        """Whether the task as configured has training examples, known without loading them.

        Lets a config be refused before anything runs when a mode needs training data (few-shot
        demonstrations, LoRA) that the task lacks. Tasks whose options declare no train source
        are assumed to have one; a task that never has one overrides this.
        """
        options = getattr(self, "options", None)
        fields = self.train_option_fields()
        return not fields or any(getattr(options, name) is not None for name in fields)

    def describe(self) -> Mapping[str, Any]:
        """Settings worth recording in provenance (source, split names, verbalizers)."""
        return {"name": self.name, "family": self.family}
