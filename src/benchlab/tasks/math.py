"""GSM8K: grade-school math word problems, answered by greedy chain of thought.

Prompts and scoring follow lm-evaluation-harness: `cot8` is its gsm8k-cot task (the eight
exemplars of Wei et al., "Q: ...\\nA: ... The answer is N.", strict match on "The answer is N"),
`sampled` its gsm8k task (k solved train problems, "Question: ...\\nAnswer: ... #### N", strict
match on "#### N"). Both also score a flexible match (the last number in the output).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from benchlab.errors import DataError
from benchlab.requests import GenerationRequest
from benchlab.scoring.extraction import (
    extract_number_flexible,
    extract_number_strict,
    normalize_number,
)
from benchlab.scoring.metric import MetricResult, metric_with_ci
from benchlab.tasks.base import EvalContext, Example, Prediction, Split, Task, TrainingPair
from benchlab.tasks.mc_formats import read_local_rows, read_local_table
from benchlab.tasks.registry import TaskEntry, register_task
from benchlab.tasks.sources import DataSource, check_source_path, load_rows

__all__ = ["COT_EXEMPLARS", "GSM8KOptions", "GSM8KTask", "final_answer", "rationale"]

#: Wei et al. (2022)'s eight chain-of-thought exemplars, as lm-eval's gsm8k-cot writes them.
COT_EXEMPLARS: tuple[tuple[str, str], ...] = (
    (
        "There are 15 trees in the grove. Grove workers will plant trees in the grove today. "
        "After they are done, there will be 21 trees. How many trees did the grove workers "
        "plant today?",
        "There are 15 trees originally. Then there were 21 trees after some more were planted. "
        "So there must have been 21 - 15 = 6. The answer is 6.",
    ),
    (
        "If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in "
        "the parking lot?",
        "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5.",
    ),
    (
        "Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they "
        "have left in total?",
        "Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = "
        "74. After eating 35, they had 74 - 35 = 39. The answer is 39.",
    ),
    (
        "Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How "
        "many lollipops did Jason give to Denny?",
        "Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave "
        "Denny 20 - 12 = 8. The answer is 8.",
    ),
    (
        "Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How "
        "many toys does he have now?",
        "Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 "
        "more toys. 5 + 4 = 9. The answer is 9.",
    ),
    (
        "There were nine computers in the server room. Five more computers were installed each "
        "day, from monday to thursday. How many computers are now in the server room?",
        "There were originally 9 computers. For each of 4 days, 5 more computers were added. "
        "So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29.",
    ),
    (
        "Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 "
        "more. How many golf balls did he have at the end of wednesday?",
        "Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. "
        "After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33.",
    ),
    (
        "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
        "Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she "
        "has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8.",
    ),
)

_STYLES = {
    # prompt template, stop sequences, strict rule (as in lm-eval's gsm8k-cot and gsm8k)
    "cot8": ("Q: {question}\nA:", ("Q:", "</s>", "<|im_end|>"), ("the_answer_is",)),
    "sampled": ("Question: {question}\nAnswer:", ("Question:", "</s>", "<|im_end|>"), ("hash",)),
}


def _as_source(value: Any) -> Any:
    return {"path": value} if isinstance(value, str) else value


class GSM8KOptions(BaseModel):
    """Where the problems come from and how the model is prompted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    eval: DataSource = DataSource(path="openai/gsm8k", name="main", split="test")
    train: DataSource | None = DataSource(path="openai/gsm8k", name="main", split="train")
    prompt: Literal["cot8", "sampled"] = "cot8"
    num_fewshot: int = Field(8, ge=0, description="cot8: first n of the 8; sampled: n from train")
    fewshot_seed: int = 1234
    max_new_tokens: int = Field(256, ge=1)
    stop: list[str] | None = None
    chat: bool = False
    strict_rules: list[Literal["hash", "the_answer_is"]] | None = None
    normalize_decimals: bool = Field(True, description="treat '18.0' as '18' (lm-eval: no)")

    _coerce_train = field_validator("train", mode="before")(_as_source)
    _coerce_eval = field_validator("eval", mode="before")(_as_source)


def final_answer(solution: str) -> str:
    """The number after '#### ' in a GSM8K solution."""
    return solution.split("####")[-1].strip()


def rationale(solution: str) -> str:
    """A GSM8K solution's reasoning in one paragraph, calculator annotations removed."""
    reasoning = solution.split("####")[0]
    reasoning = re.sub(r"<<[^>]*>>", "", reasoning)
    return " ".join(line.strip() for line in reasoning.splitlines() if line.strip())


class GSM8KTask(Task):
    """Math word problems scored by exact match of the final number (strict and flexible)."""

    family = "math"

    def __init__(self, name: str, options: GSM8KOptions) -> None:
        super().__init__(name)
        self.options = options
        self.template, default_stop, default_rules = _STYLES[options.prompt]
        self.stop = tuple(options.stop) if options.stop is not None else default_stop
        self.strict_rules = tuple(options.strict_rules or default_rules)
        self._splits: dict[str, list[Example]] = {}

    def validate(self) -> None:
        """Local files are read fully, every row has a question and an answer, shots fit."""
        options, sizes = self.options, {}
        for split, source in (("eval", options.eval), ("train", options.train)):
            if source is None:
                continue
            check_source_path(source)
            if not source.is_local:
                continue
            rows, places = read_local_table(Path(source.path))
            for row, place in zip(rows, places, strict=True):
                for key in ("question", "answer"):
                    value = row.get(key)
                    if value is None or not str(value).strip():
                        shown = "no" if key not in row else "an empty"
                        raise DataError(
                            f"{source.path}: {place} has {shown} {key!r} field; every row "
                            "needs 'question' and 'answer' (fill it in or remove the row)"
                        )
            sizes[split] = len(rows)
        k = options.num_fewshot
        if options.prompt == "cot8" and k > len(COT_EXEMPLARS):
            raise DataError(
                f"num_fewshot is {k} but the cot8 prompt has {len(COT_EXEMPLARS)} exemplars; "
                "lower num_fewshot or use prompt: sampled with a train split"
            )
        if options.prompt == "sampled" and k and "train" in sizes and k > sizes["train"]:
            raise DataError(
                f"{options.train.path}: num_fewshot is {k} but the train file has only "
                f"{sizes['train']} rows; lower num_fewshot or add rows"
            )

    def load_split(self, split: Split) -> list[Example]:
        """Problems with their worked solutions; the gold is the final number."""
        if split in self._splits:
            return self._splits[split]
        source = self.options.eval if split == "eval" else self.options.train
        if source is None:
            raise DataError(f"task {self.name!r} has no train split: set `train`")
        rows = read_local_rows(Path(source.path)) if source.is_local else load_rows(source)
        examples = []
        for i, row in enumerate(rows):
            if "question" not in row or "answer" not in row:
                raise DataError(
                    f"{source.path} data row {i + 1}: needs 'question' and 'answer' fields"
                )
            solution = str(row["answer"])
            data = {"question": str(row["question"]), "solution": solution}
            examples.append(Example(f"{split}-{i}", data, final_answer(solution)))
        self._splits[split] = examples
        return examples

    def judge_prompt(self, example: Example) -> tuple[str, str]:
        """The plain problem and its final answer, for reference-guided judging."""
        return example.data["question"], example.gold

    def _target(self, question: str, solution: str) -> str:
        if self.options.prompt == "cot8":
            return f"{rationale(solution)} The answer is {final_answer(solution)}."
        return solution

    def _shots(self, example: Example, demonstrations: Sequence[Example]) -> list[tuple[str, str]]:
        if demonstrations:
            return [
                (d.data["question"], self._target(d.data["question"], d.data["solution"]))
                for d in demonstrations
            ]
        k = self.options.num_fewshot
        if self.options.prompt == "cot8":
            return list(COT_EXEMPLARS[:k])
        if k == 0:
            return []
        from benchlab.tasks.fewshot import FewShotSampler

        sampler = FewShotSampler(self.load_split("train"), k, self.options.fewshot_seed)
        return [(d.data["question"], d.data["solution"]) for d in sampler(example)]

    def prompt(self, example: Example, demonstrations: Sequence[Example] = ()) -> str:
        """Few-shot exemplars then the question, joined with blank lines as lm-eval does."""
        shots = "".join(
            f"{self.template.format(question=q)} {a}\n\n"
            for q, a in self._shots(example, demonstrations)
        )
        return shots + self.template.format(question=example.data["question"])

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[Any]:
        """One greedy generation request that stops at the next question."""
        return [
            GenerationRequest(
                self.prompt(example, demonstrations),
                self.options.max_new_tokens,
                self.stop,
                chat=self.options.chat,
            )
        ]

    def _normalize(self, value: str) -> str:
        return normalize_number(value, drop_zero_decimals=self.options.normalize_decimals)

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Strict and flexible exact match of the extracted number against the gold."""
        text = responses[0].texts[0]
        gold = self._normalize(example.gold)
        strict = extract_number_strict(text, self.strict_rules)
        flexible = extract_number_flexible(text)
        strict_ok = strict.answer is not None and self._normalize(strict.answer) == gold
        flexible_ok = flexible.answer is not None and self._normalize(flexible.answer) == gold
        details = {
            "generation": text,
            "strict_answer": strict.answer,
            "strict_rule": strict.rule,
            "flexible_answer": flexible.answer,
            "correct_strict": strict_ok,
            "correct_flexible": flexible_ok,
        }
        return Prediction(
            example.id, example.data["question"], gold, strict.answer, strict_ok, details
        )

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """exact_match_strict / _flexible with bootstrap CIs, and the no-answer counts."""
        if not predictions:
            return {}
        n = len(predictions)
        metrics: dict[str, MetricResult] = {}
        for kind in ("strict", "flexible"):
            values = np.array([p.details[f"correct_{kind}"] for p in predictions], dtype=float)
            metrics[f"exact_match_{kind}"] = metric_with_ci(
                _mean, values, seed=seed, n_resamples=n_resamples
            )
            missing = float(sum(p.details[f"{kind}_answer"] is None for p in predictions))
            metrics[f"no_answer_{kind}_count"] = MetricResult(missing, missing, missing, n, "count")
        return metrics

    def training_pairs(self, examples: Sequence[Example]) -> list[TrainingPair]:
        """Zero-shot prompt -> chain of thought + final answer in the prompt style's format."""
        return [
            TrainingPair(
                self.template.format(question=e.data["question"]),
                f" {self._target(e.data['question'], e.data['solution'])}",
            )
            for e in examples
        ]

    def describe(self) -> Mapping[str, Any]:
        """Sources, prompt style, stop sequences and strict rules, for provenance."""
        return {
            "name": self.name,
            "family": self.family,
            "options": self.options.model_dump(mode="json"),
            "stop": list(self.stop),
            "strict_rules": list(self.strict_rules),
        }


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values))


def build_gsm8k(name: str, options: Mapping[str, Any]) -> GSM8KTask:
    """Factory: hub defaults; a local `eval` without `train` drops the hub train split."""
    merged = dict(options)
    if "eval" in merged and "train" not in merged:
        merged["train"] = None
    return GSM8KTask(name, GSM8KOptions.model_validate(merged))


register_task(
    TaskEntry(
        "gsm8k",
        "math",
        "GSM8K (test, 1,319 problems): 8-shot chain of thought (Wei et al.), strict and "
        "flexible exact match",
        build_gsm8k,
    )
)
