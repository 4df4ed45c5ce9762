"""Checks of the expanded experiments that need their data or model config, but no weights.

Few-shot k against the train examples the profile leaves, LoRA target modules against the
model's module names, and an SFT mode's own data file; each refusal names the config field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.config.plan import ExperimentSpec
from benchlab.config.schema import BenchConfig
from benchlab.errors import BenchlabError, ConfigError, DataError

if TYPE_CHECKING:
    from benchlab.methods.base import Method
    from benchlab.tasks.base import Task

__all__ = ["check_experiments", "local_train_size"]


def _local_rows(source: Any, family: str) -> int | None:
    """Rows of a local file (or MMLU folder) source; None when it is not on disk."""
    from benchlab.tasks.data_files import DATA_SUFFIXES, read_table
    from benchlab.tasks.mc_formats import read_local_table

    path = Path(source.path)
    if path.is_dir():
        return len(read_local_table(path, source.split)[0])
    if not path.is_file() or path.suffix.lower() not in DATA_SUFFIXES:
        return None
    if family == "multiple_choice":  # its CSVs may be headerless MMLU files
        return len(read_local_table(path, source.split)[0])
    return len(read_table(path).rows)


def local_train_size(task: Task) -> int | None:
    """How many train rows a task with local files has (None: unknown without a download)."""
    options = getattr(task, "options", None)
    train = getattr(options, "train", None)
    if train is not None:
        return _local_rows(train, task.family)
    fraction = getattr(options, "holdout_fraction", None)
    evaluation = getattr(options, "eval", None)
    if fraction is None or evaluation is None:
        return None
    n = _local_rows(evaluation, task.family)
    return None if n is None else n - round(n * fraction)


def _check_few_shot(
    path: Path, config: BenchConfig, spec: ExperimentSpec, task: Task, method: Method
) -> None:
    k = getattr(method.options, "k", None)
    if spec.mode.method_type != "few_shot" or k is None:
        return
    size = local_train_size(task)
    if size is None:
        return
    cap = spec.profile.max_train_examples
    usable = min(size, cap) if cap else size
    if k > usable:
        capped = f", capped at {cap} by profile {spec.profile_name!r}" if cap and cap < size else ""
        mi = [m.name for m in config.modes].index(spec.mode.name)
        raise ConfigError(
            f"{path}: modes[{mi}] ({spec.mode.name}): k is {k} but task {spec.task.name!r} has "
            f"{size} train examples{capped}; lower k or give the task more train rows"
        )


def _check_lora_targets(path: Path, config: BenchConfig, experiments: Sequence[ExperimentSpec]):
    from benchlab.runner.model_modules import missing_targets, model_modules

    checked: set[tuple[str, str]] = set()
    for spec in experiments:
        targets = spec.mode.options.get("target_modules")
        key = (spec.model.name, spec.mode.name)
        full_weights = spec.mode.options.get("peft") == "full"  # SFT without an adapter
        if not isinstance(targets, list) or full_weights or key in checked:
            continue
        checked.add(key)
        modules = model_modules(spec.model)
        if modules is None:
            continue
        missing = missing_targets(targets, modules)
        if missing:
            mi = [m.name for m in config.modes].index(spec.mode.name)
            raise ConfigError(
                f"{path}: modes[{mi}].target_modules: {missing} match no module of model "
                f"{spec.model.name!r} ({spec.model.path}); its linear layers are "
                f"{sorted(modules.linear)}: name some of those, or write 'all-linear'"
            )


def _check_sft_data(path: Path, config: BenchConfig) -> None:
    from benchlab.data import read_llava
    from benchlab.methods.training import conversation_data
    from benchlab.tasks.data_checks import check_sft_rows
    from benchlab.tasks.data_files import read_table

    for mi, mode in enumerate(config.modes):
        data = mode.options.get("data") if mode.method_type == "sft" else None
        if not isinstance(data, str):
            continue
        source = conversation_data(data)
        if source == "hub":  # LLaVA rows on the hub: read when the experiment runs
            continue
        try:
            if source == "file":  # LLaVA conversations for a VLM: every row and image checked
                read_llava(data, images=mode.options.get("images"))
            else:
                check_sft_rows(read_table(data))
        except BenchlabError as exc:
            raise ConfigError(f"{path}: modes[{mi}] ({mode.name}).data: {exc}") from exc


def check_experiments(
    path: Path,
    config: BenchConfig,
    experiments: Sequence[ExperimentSpec],
    tasks: dict[str, Task],
    methods: dict[str, Method],
) -> None:
    """Refuse experiments that would fail for their data or model shape, before any is run."""
    _check_sft_data(path, config)
    for spec in experiments:
        try:
            _check_few_shot(path, config, spec, tasks[spec.task.name], methods[spec.mode.name])
        except DataError as exc:
            ti = [t.name for t in config.tasks].index(spec.task.name)
            raise ConfigError(f"{path}: tasks[{ti}] ({spec.task.name}): {exc}") from exc
    _check_lora_targets(path, config, experiments)
