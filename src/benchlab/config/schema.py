"""The YAML a user writes, as pydantic models: models, tasks, modes, matrix rules, profiles."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from benchlab.config.base import StrictModel as _Strict
from benchlab.config.executor import EXECUTOR_NAMES, RaySettings

__all__ = [
    "DEFAULT_BACKENDS",
    "BenchConfig",
    "ConsistencySpec",
    "JudgeOutcomesSpec",
    "MatrixRule",
    "MatrixSpec",
    "ModeSpec",
    "ModelSpec",
    "ProfileSpec",
    "TaskSpec",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*$")
ModelKind = Literal["encoder", "causal", "api", "vlm"]
#: The backend a model kind gets when its entry names none, and the kind a backend implies.
DEFAULT_BACKENDS: dict[str, str] = {
    "causal": "hf_causal",
    "encoder": "hf_encoder",
    "api": "openai_compatible",
    "vlm": "hf_vlm",
}


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a usable name: use letters, digits, '.' and '-' "
            "(underscores separate model, task and mode in experiment ids)"
        )
    return value


class ModelSpec(_Strict):
    """A model: hub id, local directory, or `builtin:NAME` for the offline quick models."""

    name: str
    path: str
    kind: ModelKind
    revision: str | None = None
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "float32"
    batch_size: int = Field(8, ge=1)
    max_length: int = Field(512, ge=8)
    trust_remote_code: bool = False
    add_bos_token: bool | None = Field(
        None,
        description="causal models: prepend the start token to prompts; None follows the "
        "tokenizer (Llama, Gemma and Mistral add it, Qwen does not), as lm-evaluation-harness",
    )
    cache_path: str | None = Field(
        None, description="SQLite file caching this model's answers across runs (opt-in)"
    )
    backend: str | None = Field(
        None, description="registered backend (`benchlab list`); default: the kind's backend"
    )
    device_map: str | None = Field(
        None, description="transformers device_map (e.g. 'auto'); default: the one accelerator"
    )
    quantization: str | None = Field(
        None, description="load quantized, e.g. bnb-int8, bnb-nf4, bnb-fp4 (bitsandbytes)"
    )
    adapter: str | None = Field(None, description="a peft adapter folder loaded on top")
    backend_options: dict[str, Any] = Field(
        {}, description="backend-specific settings, e.g. base_url and api_key_env for an API"
    )
    plan_window: Annotated[int, Field(ge=0)] | Literal["task"] | None = Field(
        None,
        description="hf_causal: examples whose requests are sorted, prefix-grouped and batched "
        "together; unset: 512 (progress still moves between windows), 'task': the whole task, "
        "0: per evaluation chunk of 64 (slower; float32 scores may move in their last digit)",
    )

    _name = field_validator("name")(_check_name)

    @model_validator(mode="after")
    def _plan_window_served(self) -> ModelSpec:
        """plan_window is read by hf_causal alone: elsewhere it would be silently ignored."""
        if self.plan_window is not None and self.backend_name != "hf_causal":
            raise ValueError(
                f"model {self.name!r}: plan_window applies to the hf_causal backend only, "
                f"not {self.backend_name!r}; remove it from this model"
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _kind_from_backend(cls, data: Any) -> Any:
        """`backend: openai_compatible` alone is enough: the kind follows from a known backend."""
        if isinstance(data, dict) and "kind" not in data and data.get("backend"):
            implied = {b: k for k, b in DEFAULT_BACKENDS.items()}.get(data["backend"])
            if implied is not None:
                data = {**data, "kind": implied}
        return data

    @property
    def backend_name(self) -> str:
        """The registered backend that loads and serves this model."""
        return self.backend or DEFAULT_BACKENDS[self.kind]


class TaskSpec(BaseModel):
    """A task: a registered type (defaults to the name) plus that type's own options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    type: str | None = None

    _name = field_validator("name")(_check_name)

    @property
    def task_type(self) -> str:
        """The registered task type this entry instantiates."""
        return self.type or self.name

    @property
    def options(self) -> dict[str, Any]:
        """The type-specific options (every field besides name and type)."""
        return dict(self.model_extra or {})


class JudgeOutcomesSpec(_Strict):
    """A judge run's predictions.jsonl over the same prompts (ids), to relate ties to agreement."""

    file: str
    candidate: str | None = Field(None, description="only this candidate's pairs")
    threshold: float | None = Field(None, ge=0, le=1, description="default: median agreement")


class ConsistencySpec(_Strict):
    """A mode's `consistency:` block: M samples per eval item after the usual evaluation."""

    samples: int = Field(5, ge=2, description="samples per item (M)")
    temperature: float = Field(0.8, gt=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_items: int | None = Field(None, ge=1, description="first n eval items; default: all")
    judge: JudgeOutcomesSpec | None = None


class ModeSpec(BaseModel):
    """A mode: a registered method type (defaults to the name) plus its parameters.

    `consistency: {samples: M, temperature: T, top_p: P}` adds the consistency pass; it is kept
    among the extra fields (so modes without it are recorded exactly as before) and is not a
    method option.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    type: str | None = None
    base_mode: str | None = Field(
        None, description="a mode whose prepared model this one starts from (e.g. dpo on sft)"
    )

    _name = field_validator("name")(_check_name)

    @property
    def method_type(self) -> str:
        """The registered method this entry instantiates."""
        return self.type or self.name

    @model_validator(mode="after")
    def _check_consistency(self) -> ModeSpec:
        self.consistency  # noqa: B018 -- validates the block when the config is read
        return self

    @property
    def consistency(self) -> ConsistencySpec | None:
        """The consistency-pass settings, when the mode asks for them."""
        block = (self.model_extra or {}).get("consistency")
        return None if block is None else ConsistencySpec.model_validate(block)

    @property
    def options(self) -> dict[str, Any]:
        """The method-specific options (every field besides name, type, base_mode, consistency)."""
        return {k: v for k, v in (self.model_extra or {}).items() if k != "consistency"}


class MatrixRule(_Strict):
    """Selects experiments by glob patterns on model, task and mode names and model kinds."""

    models: list[str] = ["*"]
    tasks: list[str] = ["*"]
    modes: list[str] = ["*"]
    kinds: list[ModelKind] | None = None


class MatrixSpec(_Strict):
    """Which model x task x mode combinations run; empty `include` means all compatible ones."""

    include: list[MatrixRule] = []
    exclude: list[MatrixRule] = []


class ProfileSpec(_Strict):
    """Caps that turn the full matrix into a quick one (None means no cap)."""

    max_train_examples: int | None = Field(None, ge=1)
    max_eval_examples: int | None = Field(None, ge=1)
    max_train_steps: int | None = Field(None, ge=1)
    epochs: float | None = Field(None, gt=0)
    latency_examples: int = Field(20, ge=0)
    bootstrap_resamples: int = Field(1000, ge=100)


class BenchConfig(_Strict):
    """A whole benchmark study."""

    name: str = "benchlab"
    seeds: list[int] = [42]
    models: list[ModelSpec] = Field(min_length=1)
    tasks: list[TaskSpec] = Field(min_length=1)
    modes: list[ModeSpec] = Field(min_length=1)
    matrix: MatrixSpec = MatrixSpec()
    profiles: dict[str, ProfileSpec] = {"full": ProfileSpec()}
    default_profile: str = "full"
    # Published figures shown beside measured ones (validated by benchlab.report.published).
    published: list[dict[str, Any]] = []
    # Experiment trackers (benchlab.trackers) and where they log; None: a store in the run dir.
    trackers: list[str] = []
    tracking_uri: str | None = None
    executor: str = Field(
        "local", description=f"where experiments run: {' | '.join(EXECUTOR_NAMES)}"
    )
    ray: RaySettings = RaySettings()

    @field_validator("executor")
    @classmethod
    def _known_executor(cls, value: str) -> str:
        if value not in EXECUTOR_NAMES:
            raise ValueError(f"unknown executor {value!r}; use one of {list(EXECUTOR_NAMES)}")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> BenchConfig:
        for field_name in ("models", "tasks", "modes"):
            names = [item.name for item in getattr(self, field_name)]
            duplicates = sorted({n for n in names if names.count(n) > 1})
            if duplicates:
                raise ValueError(f"{field_name}: duplicate names {duplicates}")
        if self.default_profile not in self.profiles:
            raise ValueError(
                f"default_profile {self.default_profile!r} is not one of {sorted(self.profiles)}"
            )
        return self
