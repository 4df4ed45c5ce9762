"""Matrix rules that name nothing or select nothing are typos: refuse them, one line each."""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from benchlab.config.schema import BenchConfig, MatrixRule, ModelSpec, ModeSpec, TaskSpec
from benchlab.errors import ConfigError

__all__ = ["check_rule_names", "check_rules_select"]

_FIELDS = (("models", "model"), ("tasks", "task"), ("modes", "mode"))


def _suggestion(pattern: str, names: list[str]) -> str:
    close = get_close_matches(pattern, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_rule_names(path: Path, config: BenchConfig) -> None:
    """Every name or glob in matrix.include / matrix.exclude matches a defined entry."""
    for section in ("include", "exclude"):
        for k, rule in enumerate(getattr(config.matrix, section)):
            for field, singular in _FIELDS:
                names = [entry.name for entry in getattr(config, field)]
                for pattern in getattr(rule, field):
                    if not any(fnmatchcase(name, pattern) for name in names):
                        raise ConfigError(
                            f"{path}: matrix.{section}[{k}].{field}: {pattern!r} matches no "
                            f"{singular}{_suggestion(pattern, names)}; the {field} are "
                            f"{names}: fix the name or remove it from the rule"
                        )


def _matches(rule: MatrixRule, model: ModelSpec, task: TaskSpec, mode: ModeSpec) -> bool:
    return (
        any(fnmatchcase(model.name, p) for p in rule.models)
        and any(fnmatchcase(task.name, p) for p in rule.tasks)
        and any(fnmatchcase(mode.name, p) for p in rule.modes)
        and (rule.kinds is None or model.kind in rule.kinds)
    )


def check_rules_select(
    path: Path, config: BenchConfig, compatible: Callable[[Any, Any, Any], bool]
) -> None:
    """Each include rule selects at least one compatible experiment that no exclude removes."""
    excluded = config.matrix.exclude
    for k, rule in enumerate(config.matrix.include):
        matched = [
            (model, task, mode)
            for model in config.models
            for task in config.tasks
            for mode in config.modes
            if _matches(rule, model, task, mode)
        ]
        kept = [c for c in matched if not any(_matches(r, *c) for r in excluded)]
        if any(compatible(*combination) for combination in kept):
            continue
        if not matched:
            why = "no model of the listed kinds matches its names"
        elif not kept:
            why = "matrix.exclude removes every experiment it matches"
        else:
            why = (
                "none of the model x task x mode combinations it matches can run (modes must "
                "fit model kinds and task families, and modes that train or show "
                "demonstrations need a task with a train split)"
            )
        raise ConfigError(
            f"{path}: matrix.include[{k}] selects no compatible experiment: {why}; "
            "fix the rule or remove it"
        )
