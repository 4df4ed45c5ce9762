"""Matrix expansion: a config and a profile become an ordered list of experiment specs."""

from __future__ import annotations

import dataclasses
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
from benchlab.errors import ConfigError

__all__ = ["ExperimentSpec", "base_chain", "expand_matrix", "experiment_id"]


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
    #: The experiment whose prepared model this one starts from (the mode's `base_mode`).
    base: ExperimentSpec | None = None
    #: Whether another experiment builds on this one: its artifact goes to the shared folder.
    serves_as_base: bool = False


def experiment_id(model: str, task: str, mode: str, seed: int | None = None) -> str:
    """Readable stable id `<model>_<task>_<mode>` (with `_s<seed>` when several seeds run)."""
    base = f"{model}_{task}_{mode}"
    return base if seed is None else f"{base}_s{seed}"


def base_chain(modes: list[ModeSpec], name: str) -> list[ModeSpec]:
    """The modes `name` builds on, nearest first; unknown or circular bases are a ConfigError."""
    by_name = {mode.name: mode for mode in modes}
    chain: list[ModeSpec] = []
    seen = [name]
    mode = by_name[name]
    while mode.base_mode is not None:
        if mode.base_mode not in by_name:
            raise ConfigError(
                f"modes: {mode.name!r} has base_mode {mode.base_mode!r}, which is not a mode of "
                f"this config; use one of {sorted(by_name)}"
            )
        if mode.base_mode in seen:
            cycle = " -> ".join([*seen, mode.base_mode])
            raise ConfigError(
                f"modes: {name!r} has a circular base_mode ({cycle}); a mode cannot build on itself"
            )
        seen.append(mode.base_mode)
        mode = by_name[mode.base_mode]
        chain.append(mode)
    return chain


def _with_base(spec: ExperimentSpec, chain: list[ModeSpec], several_seeds: bool) -> ExperimentSpec:
    """The spec with its base experiments attached (same model, task, seed and profile)."""
    base = None
    for mode in reversed(chain):
        seed = spec.seed if several_seeds else None
        base = ExperimentSpec(
            id=experiment_id(spec.model.name, spec.task.name, mode.name, seed),
            model=spec.model,
            task=spec.task,
            mode=mode,
            seed=spec.seed,
            profile_name=spec.profile_name,
            profile=spec.profile,
            base=base,
            serves_as_base=True,
        )
    return dataclasses.replace(spec, base=base)


def _bases_first(specs: list[ExperimentSpec]) -> list[ExperimentSpec]:
    """A stable order in which an experiment's base (when it is in the plan) runs before it."""
    base_ids = {spec.base.id for spec in specs if spec.base is not None}
    specs = [dataclasses.replace(s, serves_as_base=s.id in base_ids) for s in specs]
    by_id = {spec.id: spec for spec in specs}
    ordered: list[ExperimentSpec] = []
    placed: set[str] = set()

    def place(spec: ExperimentSpec) -> None:
        if spec.id in placed:
            return
        if spec.base is not None and spec.base.id in by_id:
            place(by_id[spec.base.id])
        placed.add(spec.id)
        ordered.append(spec)

    for spec in specs:
        place(spec)
    return ordered


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
    incompatible combinations are skipped, since rules are written with globs. A mode with a
    `base_mode` carries its base experiment, and runs after it when the base is selected too.
    """
    chains = {mode.name: base_chain(config.modes, mode.name) for mode in config.modes}
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
    return _bases_first([_with_base(s, chains[s.mode.name], several_seeds) for s in specs])
