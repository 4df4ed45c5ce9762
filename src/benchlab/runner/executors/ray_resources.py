"""What one experiment asks of a Ray cluster: CPUs, GPUs and memory, from its model and mode."""

from __future__ import annotations

from typing import Any

from benchlab.config.executor import RaySettings
from benchlab.config.plan import ExperimentSpec

__all__ = ["experiment_resources"]


def _model_gpus(spec: ExperimentSpec, settings: RaySettings, cluster_gpus: float) -> float:
    """GPUs the experiment's model needs on one worker."""
    model = spec.model
    if model.backend_name == "vllm":  # one worker holds every tensor-parallel shard
        return float(model.backend_options.get("tensor_parallel_size", 1))
    if model.kind == "api":  # answered by a remote endpoint
        return 0.0
    if settings.num_gpus is not None:
        return settings.num_gpus
    return 1.0 if cluster_gpus >= 1 else 0.0


def experiment_resources(
    spec: ExperimentSpec,
    settings: RaySettings,
    *,
    cluster_gpus: float,
    threads: float | None = None,
) -> dict[str, Any]:
    """Ray task options (num_cpus, num_gpus, memory) for one experiment.

    CPUs default to the torch threads the experiment will run (`threads`), so Ray never packs
    more threads onto a node than it has cores.
    """
    cpus = settings.num_cpus if settings.num_cpus is not None else (threads or 1)
    options: dict[str, Any] = {
        "num_cpus": cpus,
        "num_gpus": _model_gpus(spec, settings, cluster_gpus),
    }
    if settings.memory_gb is not None:
        options["memory"] = int(settings.memory_gb * 2**30)
    return options
