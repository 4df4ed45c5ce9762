"""The `benchlab judge` YAML as pydantic models: judge, categories, answer sources, budget.

Relative input files follow the rules of `benchlab.config.paths` (the config file's
folder); `output_dir` and `cache` are relative to the working directory, like every run
directory. The API key never appears here: only the name of the environment variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from benchlab.config.base import StrictModel as _Strict
from benchlab.config.base import format_validation_error
from benchlab.config.paths import resolve_paths
from benchlab.config.schema import ModelSpec, TaskSpec
from benchlab.config.yaml_io import read_yaml_mapping
from benchlab.errors import ConfigError

__all__ = [
    "AnswerSource",
    "AnswersFile",
    "BudgetSpec",
    "CategorySpec",
    "EndpointSpec",
    "JudgeConfig",
    "JudgeSettings",
    "JudgeSpec",
    "PromptSource",
    "load_judge_config",
]


class EndpointSpec(_Strict):
    """An OpenAI-compatible chat endpoint (OpenAI, vLLM, llama.cpp server, TGI)."""

    base_url: str
    model: str
    api_key_env: str | None = Field(
        None, description="name of the environment variable holding the key (never the key)"
    )


class JudgeSpec(_Strict):
    """Who judges: an endpoint or a local model, and how it is prompted."""

    endpoint: EndpointSpec | None = None
    model: ModelSpec | None = None
    temperature: float = Field(0.0, ge=0.0)
    max_tokens: int = Field(1024, ge=1)
    seed: int | None = None
    template: str | None = Field(None, description="YAML template file; default FastChat pair-v2")
    reference_template: str | None = Field(
        None, description="template for reference-guided categories; default FastChat math-v1"
    )
    multi_turn_template: str | None = Field(
        None,
        description="template for second and later turns ({conversation_a}, {conversation_b}); "
        "default: both conversations, judged on the last answer",
    )
    multi_turn_reference_template: str | None = Field(
        None, description="the same for reference-guided categories"
    )

    @model_validator(mode="after")
    def _one_judge(self) -> JudgeSpec:
        if (self.endpoint is None) == (self.model is None):
            raise ValueError("set exactly one of judge.endpoint or judge.model")
        return self


class PromptSource(_Strict):
    """A category's prompts: a local JSONL/JSON file, or a benchlab task's eval split.

    A question field holding a list is a conversation (MT-Bench's `turns`): each turn is judged
    with the earlier ones as context. `category_field` splits one file into categories.
    """

    file: str | None = None
    task: TaskSpec | None = None
    id_field: str = "id"
    question_field: str = "prompt"
    reference_field: str | None = Field(
        None, description="gold answer field for reference-guided grading (files only)"
    )
    category_field: str | None = Field(
        None, description="split the file into one category per value of this field (files only)"
    )
    max_turns: int | None = Field(None, ge=1, description="judge only the first N turns")
    limit: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _one_source(self) -> PromptSource:
        if (self.file is None) == (self.task is None):
            raise ValueError("set exactly one of prompts.file or prompts.task")
        if self.category_field is not None and self.file is None:
            raise ValueError("prompts.category_field splits a file: set prompts.file")
        return self


class CategorySpec(_Strict):
    """A category such as knowledge or creativity, with its own prompts and weight.

    With `prompts.category_field` the entry becomes one category per value of that field, named
    by the value (prefixed by `name/` when a name is given); `weight` applies to each, and
    `reference_guided` may list the values graded against a gold answer.
    """

    name: str | None = None
    prompts: PromptSource
    weight: float = Field(1.0, ge=0.0)
    reference_guided: bool | list[str] = False

    @model_validator(mode="after")
    def _named(self) -> CategorySpec:
        if self.prompts.category_field is None:
            if self.name is None:
                raise ValueError("set a category name (or prompts.category_field to split a file)")
            if isinstance(self.reference_guided, list):
                raise ValueError(
                    f"category {self.name!r}: reference_guided lists values of "
                    "prompts.category_field; without one, set true or false"
                )
        return self


class AnswersFile(_Strict):
    """Precomputed answers (JSONL or a JSON array, e.g. AlpacaEval's model_outputs.json)."""

    file: str
    match_on: Literal["id", "question"] = "id"
    id_field: str = "id"
    question_field: str = "instruction"
    answer_field: str = "output"


class AnswerSource(_Strict):
    """Where one side's answers come from: a file, an endpoint or a local model."""

    name: str
    answers: AnswersFile | None = None
    endpoint: EndpointSpec | None = None
    model: ModelSpec | None = None
    max_new_tokens: int = Field(512, ge=1)

    @model_validator(mode="after")
    def _one_source(self) -> AnswerSource:
        if sum(x is not None for x in (self.answers, self.endpoint, self.model)) != 1:
            raise ValueError(f"{self.name}: set exactly one of answers, endpoint or model")
        return self


class BudgetSpec(_Strict):
    """Prices per one million tokens and an optional hard cap in US dollars."""

    max_usd: float | None = Field(None, ge=0.0)
    price_input_per_million: float = Field(0.0, ge=0.0)
    price_output_per_million: float = Field(0.0, ge=0.0)


class JudgeSettings(_Strict):
    """Who judges which categories, and how calls are made and paid for.

    Shared by `benchlab judge` configs (`JudgeConfig`) and the matrix task `pairwise_judge`.
    """

    judge: JudgeSpec
    categories: list[CategorySpec] = Field(min_length=1)
    budget: BudgetSpec = BudgetSpec()
    concurrency: int = Field(4, ge=1, le=256)
    timeout_s: float = Field(60.0, gt=0)
    retries: int = Field(6, ge=0)
    backoff_base_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(60.0, ge=0)
    repeat_fraction: float = Field(0.1, ge=0.0, le=1.0)
    seed: int = 0

    @model_validator(mode="after")
    def _unique_categories(self) -> JudgeSettings:
        names = [c.name for c in self.categories if c.prompts.category_field is None]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"categories: duplicate names {duplicates}")
        return self


class JudgeConfig(JudgeSettings):
    """A whole judging study: candidates vs one reference over categories."""

    candidates: list[AnswerSource] = Field(min_length=1)
    reference: AnswerSource
    n_resamples: int = Field(1000, ge=100)
    output_dir: str = "runs/judge"
    cache: str | None = Field(
        None, description="SQLite file; default OUTPUT_DIR/judge_cache.sqlite"
    )

    @model_validator(mode="after")
    def _unique_candidates(self) -> JudgeConfig:
        names = [c.name for c in self.candidates] + [self.reference.name]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"candidates: duplicate names {duplicates}")
        return self


def load_judge_config(path: str | Path) -> JudgeConfig:
    """Read, resolve and validate a judge config; errors name the file and the field."""
    path = Path(path)
    data = resolve_paths(read_yaml_mapping(path, "judge config"), path.parent)
    try:
        return JudgeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from exc
