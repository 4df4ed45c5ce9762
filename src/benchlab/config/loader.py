"""Reading a run config: YAML, relative paths and the schema; one clear error naming the field.

Only what the file itself says is checked here. Checks that need the task, method or backend
registries (and the matrix they select) belong to `benchlab.runner.planning`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from benchlab.config.base import format_validation_error
from benchlab.config.paths import resolve_paths
from benchlab.config.schema import BenchConfig
from benchlab.config.yaml_io import read_yaml_mapping
from benchlab.errors import ConfigError

__all__ = ["format_validation_error", "load_config"]


def load_config(
    path: str | Path, *, builtin_data: Callable[[str], str] | None = None
) -> BenchConfig:
    """Parse and validate the YAML structure (not yet the task or mode options).

    `builtin_data` turns `builtin:NAME` values of tasks and modes into files; model paths keep
    theirs (the backend resolves them when it loads the model).
    """
    path = Path(path)
    data = read_yaml_mapping(path)
    if "models" not in data and {"judge", "candidates"} <= set(data):
        raise ConfigError(
            f"{path}: this is a judge config (judge, candidates, ...), not a matrix: "
            f"run it with `benchlab judge {path}`"
        )
    for section in ("models", "tasks", "modes"):
        if isinstance(data.get(section), list):
            hook = None if section == "models" else builtin_data
            data[section] = [
                resolve_paths(entry, path.parent, builtin=hook) for entry in data[section]
            ]
    try:
        return BenchConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc, model=BenchConfig)) from exc
