"""MMBench as a matrix task: circular evaluation by default, answers by generation or likelihood.

Every original question becomes one example holding its rotated copies; each copy is asked
with VLMEvalKit's prompt and its image. By generation, the letter is read by `extract_choice`
(the rule is recorded per copy; an answer no rule reads counts wrong and is shown, never replaced
by a random letter); by likelihood, the most likely option letter wins. A question is right only
when every copy is. Accuracy comes overall and per category / l2-category with Wilson CIs.
A train TSV (`train_path`, same format) gives training modes one row per question: the image
and VLMEvalKit's prompt -> the answer letter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchlab.errors import ConfigError, DataError
from benchlab.requests import GenerationRequest, LoglikelihoodRequest, Media
from benchlab.scoring.metric import MetricResult
from benchlab.tasks.base import EvalContext, Example, Prediction, Split, Task, TrainingPair
from benchlab.tasks.mmbench import (
    ChoiceExtraction,
    ChoiceQuestion,
    QuestionOutcome,
    accuracy_breakdown,
    choice_from_loglikelihoods,
    circular_groups,
    circular_questions,
    mmbench_prompt,
    question_from_record,
    read_mmbench_tsv,
    score_circular,
    score_vanilla,
)
from benchlab.tasks.mmbench.scoring import Accuracy
from benchlab.tasks.registry import TaskEntry, register_task
from benchlab.tasks.vision.caption_data import HubImage

__all__ = ["MMBenchOptions", "MMBenchTask"]


class MMBenchOptions(BaseModel):
    """Where the questions come from and how answers are read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(None, description="local MMBench TSV (base64 images)")
    train_path: str | None = Field(None, description="local TSV of training questions")
    hub: str = "lmms-lab/MMBench"
    hub_config: str | None = "en"
    split: str = "dev"
    revision: str | None = None
    evaluation: Literal["circular", "vanilla"] = "circular"
    scoring: Literal["generation", "likelihood"] = "generation"
    max_new_tokens: int = Field(16, ge=1)
    letter_prefix: str = Field(" ", description="text before the letter scored by likelihood")


class MMBenchTask(Task):
    """Visual multiple choice with circular evaluation."""

    family: ClassVar[str] = "multiple_choice"
    train_options: ClassVar[tuple[str, ...]] = ("train_path",)

    def __init__(self, name: str, options: MMBenchOptions) -> None:
        super().__init__(name)
        self.options = options

    def validate(self) -> None:
        """Local TSVs must exist (a hub split is checked when it loads)."""
        for field in ("path", "train_path"):
            value = getattr(self.options, field)
            if value is not None and not Path(value).is_file():
                raise DataError(f"task {self.name!r}: MMBench file not found: {value} ({field})")

    def _rows(self) -> list[ChoiceQuestion]:
        if self.options.path is not None:
            return read_mmbench_tsv(self.options.path)
        import datasets

        options = self.options
        try:
            dataset = datasets.load_dataset(
                options.hub, options.hub_config, split=options.split, revision=options.revision
            )
        except (FileNotFoundError, ValueError, ConnectionError, OSError) as exc:
            raise DataError(
                f"task {self.name!r}: cannot load hub dataset {options.hub} split "
                f"{options.split!r}: {exc}"
            ) from exc
        if "image" in dataset.column_names:
            dataset = dataset.cast_column("image", datasets.Image(decode=False))
        text = dataset.remove_columns([c for c in ("image",) if c in dataset.column_names])
        return [
            question_from_record(
                row,
                image=HubImage(dataset, k, "image") if "image" in dataset.column_names else None,
                where=f"{options.hub} row {k}",
            )
            for k, row in enumerate(text)
        ]

    def load_split(self, split: Split) -> list[Example]:
        """One example per original question, holding the copies to ask (train: the rows)."""
        if split == "train":
            return self._train_examples()
        rows = self._rows()
        if self.options.evaluation == "circular":
            rows = circular_questions(rows)
        else:
            rows = [q for q in rows if q.rotation == 0]
        examples = []
        for group, copies in circular_groups(rows).items():
            first = copies[0]
            if first.answer not in first.options:
                raise DataError(
                    f"task {self.name!r}: question {group} has answer {first.answer!r}, not one "
                    f"of its options {list(first.options)} (a test split without answers?)"
                )
            examples.append(Example(str(group), {"copies": copies}, first.answer, first.category))
        return examples

    def _train_examples(self) -> list[Example]:
        if self.options.train_path is None:
            raise DataError(f"task {self.name!r} has no train split (set `train_path`)")
        examples = []
        for question in read_mmbench_tsv(self.options.train_path):
            if question.answer not in question.options:
                raise DataError(
                    f"task {self.name!r}: {self.options.train_path}: question {question.index} "
                    f"has answer {question.answer!r}, not one of {list(question.options)}"
                )
            examples.append(Example(str(question.index), {"copies": [question]}, question.answer))
        return examples

    def training_pairs(self, examples: Sequence[Example]) -> list[TrainingPair]:
        """Per question: VLMEvalKit's prompt with the image -> the answer letter."""
        pairs = []
        for example in examples:
            question: ChoiceQuestion = example.data["copies"][0]
            media = self._media(question)
            pairs.append(TrainingPair(mmbench_prompt(question), example.gold, media))
        return pairs

    def _media(self, question: ChoiceQuestion) -> tuple[Media, ...]:
        if question.image is None:
            return ()
        return (Media(data=question.image.read_bytes()),)

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[Any]:
        """Per copy: one generation, or one log-likelihood per option letter."""
        copies: list[ChoiceQuestion] = example.data["copies"]
        media = self._media(copies[0])  # copies share the image: read it once
        requests: list[Any] = []
        for copy in copies:
            prompt = mmbench_prompt(copy)
            if self.options.scoring == "generation":
                requests.append(
                    GenerationRequest(
                        prompt, max_new_tokens=self.options.max_new_tokens, chat=True, media=media
                    )
                )
            else:
                requests.extend(
                    LoglikelihoodRequest(prompt, f"{self.options.letter_prefix}{letter}", media)
                    for letter in copy.options
                )
        return requests

    def _answers(self, copies: Sequence[ChoiceQuestion], responses: Sequence[Any]) -> dict:
        if self.options.scoring == "generation":
            return {c.index: r.texts[0] for c, r in zip(copies, responses, strict=True)}
        answers: dict[int, ChoiceExtraction] = {}
        offset = 0
        for copy in copies:
            scores = responses[offset : offset + len(copy.options)]
            offset += len(copy.options)
            answers[copy.index] = choice_from_loglikelihoods(
                {letter: r.logprob for letter, r in zip(copy.options, scores, strict=True)}
            )
        return answers

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Right only when every copy is; each copy's answer, letter and rule recorded."""
        copies: list[ChoiceQuestion] = example.data["copies"]
        answers = self._answers(copies, responses)
        scorer = score_circular if self.options.evaluation == "circular" else score_vanilla
        outcome: QuestionOutcome = scorer(copies, answers)[0]
        first = outcome.copies[0]
        return Prediction(
            example_id=example.id,
            input=mmbench_prompt(copies[0]),
            gold=example.gold,
            prediction=first.letter,
            correct=outcome.correct,
            details={
                "category": outcome.category,
                "l2_category": outcome.l2_category,
                "rule": first.rule,
                "failure": outcome.failure,
                "copies": [
                    {
                        "rotation": c.rotation,
                        "expected": c.expected,
                        "answer": c.answer,
                        "letter": c.letter,
                        "rule": c.rule,
                        "correct": c.correct,
                    }
                    for c in outcome.copies
                ],
            },
            group=example.group,
        )

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """Accuracy (Wilson CI) overall, per category and l2-category; unmatched share."""
        if not predictions:
            return {}
        outcomes = [_outcome(p) for p in predictions]
        breakdown = accuracy_breakdown(outcomes)
        metrics = {"accuracy": _result(breakdown.overall)}
        metrics.update({f"accuracy/{k}": _result(v) for k, v in breakdown.by_category.items()})
        metrics.update(
            {f"l2_accuracy/{k}": _result(v) for k, v in breakdown.by_l2_category.items()}
        )
        copies = [c for p in predictions for c in p.details["copies"]]
        unread = sum(c["letter"] is None for c in copies)
        metrics["unmatched"] = _share(unread, len(copies))
        return metrics

    def describe(self) -> Mapping[str, Any]:
        """Source and evaluation settings for provenance."""
        options = self.options
        return {
            "name": self.name,
            "family": self.family,
            "source": options.path or f"{options.hub}:{options.hub_config}:{options.split}",
            "evaluation": options.evaluation,
            "scoring": options.scoring,
            **({"train_source": options.train_path} if options.train_path else {}),
        }


def _outcome(prediction: Prediction) -> QuestionOutcome:
    """A question outcome back from a prediction (what accuracy_breakdown reads)."""
    details = prediction.details
    return QuestionOutcome(
        group=int(prediction.example_id),
        category=details["category"],
        l2_category=details["l2_category"],
        split=None,
        copies=(),
        correct=bool(prediction.correct),
        failure=details["failure"],
    )


def _result(accuracy: Accuracy) -> MetricResult:
    low, high = accuracy.interval.low, accuracy.interval.high
    return MetricResult(accuracy.value, low, high, accuracy.n, "wilson")


def _share(count: int, n: int) -> MetricResult:
    from benchlab.stats import wilson_interval

    interval = wilson_interval(count, n)
    return MetricResult(count / n, interval.low, interval.high, n, "wilson")


def build_mmbench(name: str, options: Mapping[str, Any]) -> MMBenchTask:
    """An MMBench task from its config options."""
    try:
        return MMBenchTask(name, MMBenchOptions.model_validate(dict(options)))
    except ValidationError as exc:
        raise ConfigError(f"task {name!r} (mmbench): {exc}") from exc


register_task(
    TaskEntry(
        "mmbench",
        "multiple_choice",
        "MMBench visual multiple choice (local TSV or hub lmms-lab/MMBench), circular evaluation",
        build_mmbench,
    )
)
