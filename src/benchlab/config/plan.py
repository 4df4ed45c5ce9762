"""Matrix expansion: a config and a profile become an ordered list of experiment specs."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from benchlab.config.schema import (
    BenchConfig,
    MatrixRule,
    ModelSpec,
    ModeSpec,
    ProfileSpec,
    TaskSpec,
)

__all__ = ["ExperimentSpec", "expand_matrix", "experiment_id"]


@dataclass(frozen=True)
class ExperimentSpec:
    """One cell of the matrix: a model, a task and a mode under one seed and profile."""

    id: str
    model: ModelSpec
    task: TaskSpec
    mode: ModeSpec
    seed: int
    profile_name: str
    profile: ProfileSpec


def experiment_id(model: str, task: str, mode: str, seed: int | None = None) -> str:
    """Readable stable id `<model>_<task>_<mode>` (with `_s<seed>` when several seeds run)."""
    base = f"{model}_{task}_{mode}"
    return base if seed is None else f"{base}_s{seed}"


def _matches(rule: MatrixRule, model: ModelSpec, task: TaskSpec, mode: ModeSpec) -> bool:
    return (
        any(fnmatchcase(model.name, p) for p in rule.models)
        and any(fnmatchcase(task.name, p) for p in rule.tasks)
        and any(fnmatchcase(mode.name, p) for p in rule.modes)
        and (rule.kinds is None or model.kind in rule.kinds)
    )


def expand_matrix(
    config: BenchConfig,
    profile_name: str,
    compatible: callable,
) -> list[ExperimentSpec]:
    """All selected, compatible experiments in config order (models, then tasks, then modes).

    `compatible(model, task, mode)` says whether a mode applies to a model kind and task family;
    incompatible combinations are skipped, since rules are written with globs.
    """
    profile = config.profiles[profile_name]
    include = config.matrix.include or [MatrixRule()]
    several_seeds = len(config.seeds) > 1
    specs = []
    for model in config.models:
        for task in config.tasks:
            for mode in config.modes:
                if not any(_matches(r, model, task, mode) for r in include):
                    continue
                if any(_matches(r, model, task, mode) for r in config.matrix.exclude):
                    continue
                if not compatible(model, task, mode):
                    continue
                for seed in config.seeds:
                    specs.append(
                        ExperimentSpec(
                            id=experiment_id(
                                model.name, task.name, mode.name, seed if several_seeds else None
                            ),
                            model=model,
                            task=task,
                            mode=mode,
                            seed=seed,
                            profile_name=profile_name,
                            profile=profile,
                        )
                    )
    return specs
