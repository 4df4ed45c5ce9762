"""The distill YAML: which model, which task split, how to sample, what to keep, what to mix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from benchlab.config.base import StrictModel, format_validation_error
from benchlab.config.paths import resolve_paths
from benchlab.config.schema import ModelSpec, TaskSpec
from benchlab.config.yaml_io import read_yaml_mapping
from benchlab.errors import ConfigError

__all__ = ["DistillConfig", "MixSpec", "load_distill_config"]


class MixSpec(StrictModel):
    """Original rows mixed in: `share` of the final file, drawn seeded and stratified by source."""

    data: str = Field(description="JSONL of {prompt, completion[, source]} rows, or 'task'")
    share: float = Field(gt=0, lt=1, description="share of the final file's rows")
    seed: int = 0


class DistillConfig(StrictModel):
    """One distillation: generate, check, keep, deduplicate, mix, write."""

    model: ModelSpec
    task: TaskSpec
    output: str = Field(description="the SFT JSONL to write (relative to the config file)")
    split: Literal["train", "eval"] = "train"
    max_items: int | None = Field(None, ge=1, description="first n items of the split")
    keep: Literal["greedy", "majority", "distinct"] = Field(
        "distinct",
        description="greedy: one greedy solution per item; majority: correct samples giving the "
        "majority answer; distinct: any correct samples, deduplicated",
    )
    samples: int = Field(4, ge=1, description="samples per item (keep: majority / distinct)")
    temperature: float = Field(0.8, ge=0)
    top_p: float = Field(1.0, gt=0, le=1)
    max_per_item: int = Field(1, ge=1, description="at most K distinct correct rows per item")
    dedup: Literal["text", "equations"] = "text"
    mix: MixSpec | None = None
    seed: int = 0
    chunk_size: int = Field(16, ge=1, description="items generated and saved at a time")

    @model_validator(mode="after")
    def _sampling_makes_sense(self) -> DistillConfig:
        if self.keep != "greedy" and self.temperature == 0 and self.samples > 1:
            raise ValueError(
                f"keep: {self.keep} with {self.samples} samples needs temperature > 0 (greedy "
                "samples are all the same); set temperature, or keep: greedy"
            )
        return self


def load_distill_config(
    path: str | Path, *, builtin_data: Callable[[str], str] | None = None
) -> DistillConfig:
    """Read and validate a distill config; relative paths resolve against its folder."""
    path = Path(path)
    data = read_yaml_mapping(path, "distill config")
    base = path.parent
    for key in ("task", "mix"):
        if isinstance(data.get(key), dict):
            data[key] = resolve_paths(data[key], base, builtin=builtin_data)
    model = data.get("model")
    if isinstance(model, dict):  # a local folder (e.g. a run's trained model) or an adapter
        if isinstance(model.get("adapter"), str):
            model["adapter"] = str((base / model["adapter"]).resolve())
        path_value = model.get("path")
        if isinstance(path_value, str) and path_value.startswith((".", "/")):
            model["path"] = str((base / path_value).resolve())
    if isinstance(data.get("output"), str):
        data["output"] = str((base / data["output"]).resolve())
    try:
        return DistillConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc, model=DistillConfig)) from exc
