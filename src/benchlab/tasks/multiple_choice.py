"""Multiple-choice benchmarks (ARC, OpenBookQA, SciQ, GPQA, a user's own questions).

Two ways to score, chosen per task: `loglikelihood` compares the log-probability of each
choice as lm-evaluation-harness does (acc: summed log-probs; acc_norm: divided by the choice's
character length); `generate` asks for a letter (optionally after chain of thought), extracts
it with named rules, and counts outputs with no letter rather than guessing one.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from benchlab.errors import DataError
from benchlab.requests import GenerationRequest, LoglikelihoodRequest
from benchlab.scoring.extraction import extract_choice
from benchlab.scoring.metric import MetricResult
from benchlab.tasks.base import (
    EvalContext,
    Example,
    Prediction,
    PreferenceTriple,
    Split,
    Task,
    TrainingPair,
)
from benchlab.tasks.data_checks import check_shot_pools
from benchlab.tasks.mc_formats import ChoiceItem, RowFormat, parse_rows, read_local_table
from benchlab.tasks.mc_metrics import choice_metrics
from benchlab.tasks.mc_prompts import (
    LETTERS,
    PromptStyle,
    choice_continuations,
    choice_targets,
    generation_prompt,
    item_text,
    loglikelihood_context,
    shot_block,
)
from benchlab.tasks.registry import TaskEntry, register_task
from benchlab.tasks.sources import DataSource, check_source_path, load_rows

__all__ = ["MultipleChoiceOptions", "MultipleChoiceTask", "build_multiple_choice", "preset"]

Scoring = Literal["loglikelihood", "generate"]


def _as_source(value: Any) -> Any:
    return {"path": value} if isinstance(value, str) else value


class MultipleChoiceOptions(BaseModel):
    """A multiple-choice task as written under `tasks:` in the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    eval: DataSource = Field(description="split results are reported on (hub id or local path)")
    train: DataSource | None = Field(None, description="demonstration pool and SFT data")
    format: RowFormat = Field("auto", description="row format; auto detects it from the keys")
    prompt_style: PromptStyle = "letters"
    description: str = Field("", description="text before everything; {subject} is filled in")
    scoring: Scoring = "loglikelihood"
    num_fewshot: int = Field(0, ge=0, description="fixed shots: the first n of `train`")
    fewshot_rule: Literal["random", "first_n"] = Field(
        "random", description="how a few_shot mode picks demonstrations (first_n: lm-eval's)"
    )
    chain_of_thought: bool = False
    chat: bool = Field(False, description="apply the model's chat template (generate only)")
    max_new_tokens: int | None = Field(None, ge=1)
    subjects: list[str] | None = Field(None, description="keep only these subjects")
    shuffle_seed: int = Field(0, description="seed of GPQA's per-item choice shuffle")

    _coerce_train = field_validator("train", mode="before")(_as_source)
    _coerce_eval = field_validator("eval", mode="before")(_as_source)


def _is_local(source: DataSource) -> bool:
    path = Path(source.path)
    return source.is_local or path.is_dir() or path.suffix.lower() in (".json", ".jsonl", ".csv")


def item_of(example: Example) -> ChoiceItem:
    """The parsed item behind an example."""
    data = example.data
    return ChoiceItem(
        question=data["question"],
        choices=tuple(data["choices"]),
        gold=int(example.gold),
        subject=data.get("subject"),
        support=data.get("support"),
        id=example.id,
        rationale=data.get("rationale"),
    )


class MultipleChoiceTask(Task):
    """Questions with lettered choices, scored by log-likelihood or by a generated letter."""

    family = "multiple_choice"

    def __init__(
        self,
        name: str,
        options: MultipleChoiceOptions,
        *,
        categories: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(name)
        self.options = options
        self.categories = dict(categories or {})
        self._splits: dict[str, list[Example]] = {}

    @property
    def fewshot_rule(self) -> str:
        """The rule a few_shot mode follows unless it names one (first_n for MMLU)."""
        return self.options.fewshot_rule

    def validate(self) -> None:
        """Local files are read and every row parsed; fixed shots fit the train items."""
        items: dict[str, list[ChoiceItem]] = {}
        for split, source in (("eval", self.options.eval), ("train", self.options.train)):
            if source is None:
                continue
            check_source_path(source)
            if not _is_local(source):
                continue
            if not Path(source.path).exists():
                raise DataError(f"task {self.name!r}: data not found: {source.path}")
            rows, places = read_local_table(Path(source.path), source.split)
            parsed = self._wanted(
                parse_rows(
                    rows, self.options.format, source.path, self.options.shuffle_seed, places
                )
            )
            if not parsed:
                raise DataError(f"{source.path}: no items (check `subjects` and the file)")
            items[split] = parsed
        n = self.options.num_fewshot
        if n and self.options.train is None:
            raise DataError(f"num_fewshot is {n} but the task has no `train` to take shots from")
        if n and "train" in items:
            check_shot_pools(n, items["train"], items.get("eval"), self.options.train)

    def _wanted(self, items: list[ChoiceItem]) -> list[ChoiceItem]:
        if self.options.subjects is None:
            return items
        wanted = set(self.options.subjects)
        return [item for item in items if item.subject in wanted]

    def _source(self, split: Split) -> DataSource:
        if split == "eval":
            return self.options.eval
        if self.options.train is None:
            raise DataError(
                f"task {self.name!r} has no train split: set `train` (needed for few-shot "
                "demonstrations and SFT)"
            )
        return self.options.train

    def load_split(self, split: Split) -> list[Example]:
        """Parsed examples; ids are the data's ids or `<split>-<row>`, groups the subjects."""
        if split in self._splits:
            return self._splits[split]
        source = self._source(split)
        if _is_local(source):
            rows, places = read_local_table(Path(source.path), source.split)
        else:
            rows, places = load_rows(source), None
        items = self._wanted(
            parse_rows(rows, self.options.format, source.path, self.options.shuffle_seed, places)
        )
        examples, seen = [], set()
        for i, item in enumerate(items):
            example_id = item.id if item.id and item.id not in seen else f"{split}-{i}"
            seen.add(example_id)
            data = {"question": item.question, "choices": list(item.choices)}
            for key in ("subject", "support", "rationale"):
                if getattr(item, key):
                    data[key] = getattr(item, key)
            examples.append(Example(example_id, data, item.gold, item.subject))
        self._splits[split] = examples
        return examples

    @cached_property
    def _shot_pools(self) -> dict[str | None, list[Example]]:
        pools: dict[str | None, list[Example]] = {}
        for example in self.load_split("train"):
            pools.setdefault(example.group, []).append(example)
        return pools

    def fixed_shots(self, example: Example) -> list[Example]:
        """The first `num_fewshot` train items (same subject when there are subjects).

        The evaluated item itself is skipped, so evaluating on the pool never leaks an answer.
        """
        n = self.options.num_fewshot
        if n == 0:
            return []
        pool = self._shot_pools.get(example.group) or self._shot_pools.get(None) or []
        shots = [e for e in pool if e.id != example.id and e.data != example.data][:n]
        if len(shots) < n:
            raise DataError(
                f"task {self.name!r}: num_fewshot={n} but only {len(shots)} train items "
                f"for subject {example.group!r}"
            )
        return shots

    def _description(self, item: ChoiceItem) -> str:
        subject = (item.subject or "").replace("_", " ")
        return self.options.description.replace("{subject}", subject)

    def _shots(self, example: Example, demonstrations: Sequence[Example]) -> list[ChoiceItem]:
        chosen = list(demonstrations) or self.fixed_shots(example)
        return [item_of(e) for e in chosen]

    def prompt(self, example: Example, demonstrations: Sequence[Example] = ()) -> str:
        """The text a model sees before answering (log-likelihood context or generation prompt)."""
        item = item_of(example)
        shots = self._shots(example, demonstrations)
        if self.options.scoring == "generate":
            return self._description(item) + generation_prompt(
                item, shots, chain_of_thought=self.options.chain_of_thought
            )
        style = self.options.prompt_style
        return (
            self._description(item) + shot_block(shots, style) + loglikelihood_context(item, style)
        )

    def judge_prompt(self, example: Example) -> tuple[str, str]:
        """The question with its lettered choices, and the gold choice, for an LLM judge."""
        item = item_of(example)
        return item_text(item), f"{LETTERS[item.gold]}. {item.choices[item.gold]}"

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[Any]:
        """One log-likelihood request per choice, or one generation request."""
        prompt = self.prompt(example, demonstrations)
        if self.options.scoring == "generate":
            cot = self.options.chain_of_thought
            budget = self.options.max_new_tokens or (512 if cot else 16)
            stop = ("\n\nQuestion:",) if cot else ("\n\n", "\nQuestion:")
            return [GenerationRequest(prompt, budget, stop, chat=self.options.chat)]
        item = item_of(example)
        return [
            LoglikelihoodRequest(prompt, continuation)
            for continuation in choice_continuations(item, self.options.prompt_style)
        ]

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Pick the most likely choice (acc and acc_norm), or read the generated letter."""
        item = item_of(example)
        letters = LETTERS[: len(item.choices)]
        gold_letter = letters[item.gold]
        base = {"gold_index": item.gold, "gold_letter": gold_letter}
        if self.options.scoring == "generate":
            text = responses[0].texts[0]
            found = extract_choice(text, letters)
            details = {
                **base,
                "scoring": "generate",
                "generation": text,
                "extraction_rule": found.rule,
                "predicted_letter": found.answer,
            }
            correct = found.answer == gold_letter
            return Prediction(
                example.id,
                item.question,
                gold_letter,
                found.answer,
                correct,
                details,
                example.group,
            )
        logprobs = np.array([r.logprob for r in responses], dtype=float)
        lengths = np.array([float(len(t)) for t in choice_targets(item, self.options.prompt_style)])
        predicted = int(np.argmax(logprobs))
        predicted_norm = int(np.argmax(logprobs / lengths))
        details = {
            **base,
            "scoring": "loglikelihood",
            "predicted_letter": letters[predicted],
            "prediction_index": predicted,
            "prediction_norm_index": predicted_norm,
            "correct_norm": predicted_norm == item.gold,
            "logprobs": [float(x) for x in logprobs],
            "num_tokens": [r.num_tokens for r in responses],
            "is_greedy": [r.is_greedy for r in responses],
        }
        return Prediction(
            example.id,
            item.question,
            gold_letter,
            letters[predicted],
            predicted == item.gold,
            details,
            example.group,
        )

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """acc, acc_norm, per-subject scores, no-answer counts and letter shares, with CIs."""
        return choice_metrics(
            predictions, seed=seed, n_resamples=n_resamples, categories=self.categories
        )

    def training_pairs(self, examples: Sequence[Example]) -> list[TrainingPair]:
        """Pairs in the format the task is scored in, so tuning and evaluation see one text.

        Log-likelihood scoring: the zero-shot context (description + `loglikelihood_context`)
        -> the gold continuation exactly as scored (" " + choice text, letter or "(X)").
        Generation: the generation prompt -> (rationale when the data has one) + "Answer: X"
        after the chain-of-thought cue, or " X" after a plain "Answer:"; both extract to X.
        """
        if self.options.scoring == "loglikelihood":
            style = self.options.prompt_style
            return [
                TrainingPair(
                    self._description(item) + loglikelihood_context(item, style),
                    choice_continuations(item, style)[item.gold],
                )
                for item in map(item_of, examples)
            ]
        pairs = []
        for example in examples:
            item = item_of(example)
            prompt = self._description(item) + generation_prompt(
                item, (), chain_of_thought=self.options.chain_of_thought
            )
            letter = LETTERS[item.gold]
            if self.options.chain_of_thought:
                reasoning = f" {item.rationale.strip()}\n" if item.rationale else " "
                target = f"{reasoning}Answer: {letter}"
            else:
                target = f" {letter}"
            pairs.append(TrainingPair(prompt, target))
        return pairs

    def preference_triples(
        self, examples: Sequence[Example], *, seed: int = 0
    ) -> list[PreferenceTriple]:
        """The gold answer chosen over one wrong choice, drawn per item from `seed` and its id.

        Both completions are written as `training_pairs` writes the gold one, so preference
        training and evaluation see one format; the rejected one never carries the rationale.
        """
        triples = []
        for example, pair in zip(examples, self.training_pairs(examples), strict=True):
            item = item_of(example)
            wrong = [i for i in range(len(item.choices)) if i != item.gold]
            if not wrong:
                continue
            rejected_index = random.Random(f"{seed}:{example.id}").choice(wrong)
            if self.options.scoring == "loglikelihood":
                rejected = choice_continuations(item, self.options.prompt_style)[rejected_index]
            elif self.options.chain_of_thought:
                rejected = f" Answer: {LETTERS[rejected_index]}"
            else:
                rejected = f" {LETTERS[rejected_index]}"
            triples.append(PreferenceTriple(pair.prompt, pair.target, rejected))
        return triples

    def describe(self) -> Mapping[str, Any]:
        """Sources, format, prompt style and scoring, for provenance."""
        return {
            "name": self.name,
            "family": self.family,
            "options": self.options.model_dump(mode="json"),
        }


def build_multiple_choice(name: str, options: Mapping[str, Any]) -> MultipleChoiceTask:
    """Factory for a user's own multiple-choice set (local JSONL/CSV or hub id)."""
    return MultipleChoiceTask(name, MultipleChoiceOptions.model_validate(dict(options)))


def preset(defaults: Mapping[str, Any], **task_kwargs: Any):
    """A factory merging a benchmark's defaults with the user's overrides.

    When the user points `eval` somewhere else without giving `train`, the default (hub)
    train split is dropped, so a local copy never reaches for the hub unless asked to.
    """

    def build(name: str, overrides: Mapping[str, Any]) -> MultipleChoiceTask:
        merged = {**defaults, **dict(overrides)}
        if "eval" in overrides and "train" not in overrides:
            merged.pop("train", None)
        return MultipleChoiceTask(name, MultipleChoiceOptions.model_validate(merged), **task_kwargs)

    return build


_PRESETS: dict[str, tuple[str, dict[str, Any]]] = {
    "arc_easy": (
        "ARC-Easy (test, 2,376 questions); lm-eval's 'Question: ...\\nAnswer:' prompt",
        {
            "eval": {"path": "allenai/ai2_arc", "name": "ARC-Easy", "split": "test"},
            "train": {"path": "allenai/ai2_arc", "name": "ARC-Easy", "split": "train"},
            "prompt_style": "question_answer",
        },
    ),
    "arc_challenge": (
        "ARC-Challenge (test, 1,172 questions); lm-eval's 'Question: ...\\nAnswer:' prompt",
        {
            "eval": {"path": "allenai/ai2_arc", "name": "ARC-Challenge", "split": "test"},
            "train": {"path": "allenai/ai2_arc", "name": "ARC-Challenge", "split": "train"},
            "prompt_style": "question_answer",
        },
    ),
    "openbookqa": (
        "OpenBookQA main (test, 500 questions); lm-eval's question-stem prompt",
        {
            "eval": {"path": "allenai/openbookqa", "name": "main", "split": "test"},
            "train": {"path": "allenai/openbookqa", "name": "main", "split": "train"},
            "prompt_style": "stem",
        },
    ),
    "sciq": (
        "SciQ (test, 1,000 questions) with its support passage, as lm-eval prompts it",
        {
            "eval": {"path": "allenai/sciq", "split": "test"},
            "train": {"path": "allenai/sciq", "split": "train"},
            "prompt_style": "support",
        },
    ),
    "gpqa": (
        "GPQA (gated: point eval at a local CSV/JSONL copy); seeded choice shuffle per item",
        {
            "eval": {"path": "Idavidrein/gpqa", "name": "gpqa_main", "split": "train"},
            "prompt_style": "gpqa",
            "format": "gpqa",
        },
    ),
}

register_task(
    TaskEntry(
        "multiple_choice",
        "multiple_choice",
        "your own questions from JSONL/CSV: question, choices, answer (letter/index), subject",
        build_multiple_choice,
    )
)
for _task_type, (_description, _defaults) in _PRESETS.items():
    register_task(TaskEntry(_task_type, "multiple_choice", _description, preset(_defaults)))
