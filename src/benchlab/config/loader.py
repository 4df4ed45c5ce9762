"""Reading and validating a config file: one clear error naming file, field and value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from benchlab.config.plan import ExperimentSpec, expand_matrix
from benchlab.config.schema import BenchConfig, MatrixRule, ModelSpec, ModeSpec, TaskSpec
from benchlab.errors import BenchlabError, ConfigError

__all__ = ["Plan", "format_validation_error", "load_config", "load_plan"]

_PATH_KEYS = ("path", "train", "eval", "problems", "file", "template", "reference_template")


@dataclass(frozen=True)
class Plan:
    """A validated config, the chosen profile and the experiments it expands into."""

    path: Path
    config: BenchConfig
    profile: str
    experiments: list[ExperimentSpec]


def format_validation_error(
    source: str, error: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> str:
    """The first pydantic error as `FILE: field.path: message (got VALUE)`."""
    first = error.errors()[0]
    location = ".".join(
        f"[{part}]" if isinstance(part, int) else str(part) for part in first["loc"]
    ).replace(".[", "[")
    where = ".".join(part for part in (prefix, location) if part)
    message = first["msg"]
    if first["type"] == "extra_forbidden" and model is not None:
        message = f"unknown field; allowed fields: {sorted(model.model_fields)}"
    value = first.get("input")
    shown = "" if isinstance(value, dict) or first["type"] == "missing" else f" (got {value!r})"
    return f"{source}: {where}: {message}{shown}"


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of fields")
    return data


def _resolve_paths(value: Any, base: Path, key: str | None = None) -> Any:
    """Resolve `builtin:` data names, and relative file paths against the config's folder."""
    from benchlab.quickstart.resources import resolve_builtin_data

    if isinstance(value, dict):
        return {k: _resolve_paths(v, base, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_paths(item, base) for item in value]
    if isinstance(value, str) and value.startswith("builtin:"):
        return str(resolve_builtin_data(value))
    if isinstance(value, str) and key in _PATH_KEYS and not Path(value).is_absolute():
        candidate = base / value
        return str(candidate.resolve()) if candidate.exists() else value
    return value


def load_config(path: str | Path) -> BenchConfig:
    """Parse and validate the YAML structure (not yet the task or mode options)."""
    path = Path(path)
    data = _read_yaml(path)
    if isinstance(data.get("tasks"), list):
        data["tasks"] = [_resolve_paths(task, path.parent) for task in data["tasks"]]
    try:
        return BenchConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc, model=_model_at(exc))) from exc


def _model_at(error: ValidationError) -> type[BaseModel] | None:
    """The schema class that owns the failing field, to list allowed fields."""
    loc = error.errors()[0]["loc"]
    owners: dict[str, type[BaseModel]] = {
        "models": ModelSpec,
        "matrix": MatrixRule,
        "profiles": BenchConfig.model_fields["profiles"].annotation.__args__[1],
    }
    if len(loc) == 1:
        return BenchConfig
    return owners.get(str(loc[0]))


def _check_task(path: Path, index: int, spec: TaskSpec) -> None:
    from benchlab.tasks.registry import build_task, task_entries

    entries = task_entries()
    if spec.task_type not in entries:
        raise ConfigError(
            f"{path}: tasks[{index}]: unknown task {spec.task_type!r}; "
            f"available: {sorted(entries)} (or set type: classification with a path)"
        )
    try:
        task = build_task(spec.task_type, spec.name, spec.options)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc, f"tasks[{index}]")) from exc
    try:
        task.validate()
    except BenchlabError as exc:
        raise ConfigError(f"{path}: tasks[{index}] ({spec.name}): {exc}") from exc


def _check_mode(path: Path, index: int, spec: ModeSpec) -> None:
    from benchlab.methods.registry import method_types

    types = method_types()
    if spec.method_type not in types:
        raise ConfigError(
            f"{path}: modes[{index}]: unknown mode type {spec.method_type!r}; "
            f"available: {sorted(types)}"
        )
    options_model = types[spec.method_type].options_model
    try:
        options_model.model_validate(spec.options)
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(str(path), exc, f"modes[{index}]", options_model)
        ) from exc


def compatibility_check() -> Callable[[ModelSpec, TaskSpec, ModeSpec], bool]:
    """A predicate: does a mode apply to this model kind and task family?"""
    from benchlab.methods.registry import method_types
    from benchlab.tasks.registry import task_entries

    methods, tasks = method_types(), task_entries()

    def compatible(model: ModelSpec, task: TaskSpec, mode: ModeSpec) -> bool:
        method = methods[mode.method_type]
        families = method.compatible_families
        family = tasks[task.task_type].family
        return model.kind in method.compatible_kinds and (families is None or family in families)

    return compatible


def load_plan(path: str | Path, profile: str | None = None) -> Plan:
    """Validate everything a run needs, before anything is written."""
    path = Path(path)
    config = load_config(path)
    for i, task in enumerate(config.tasks):
        _check_task(path, i, task)
    for i, mode in enumerate(config.modes):
        _check_mode(path, i, mode)
    chosen = profile or config.default_profile
    if chosen not in config.profiles:
        raise ConfigError(
            f"{path}: profile {chosen!r} is not defined; profiles: {sorted(config.profiles)}"
        )
    experiments = expand_matrix(config, chosen, compatibility_check())
    if not experiments:
        raise ConfigError(
            f"{path}: matrix: no compatible experiment selected (check matrix.include, "
            "and that modes fit model kinds: encoders fine-tune, causal models prompt or adapt)"
        )
    return Plan(path=path, config=config, profile=chosen, experiments=experiments)
