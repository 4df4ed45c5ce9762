"""Where a run's experiments execute: `executor: local | ray`, and the Ray cluster settings."""

from __future__ import annotations

from pydantic import Field

from benchlab.config.base import StrictModel

__all__ = ["EXECUTOR_NAMES", "RaySettings"]

#: The executors a config may name (the runner's registry holds their implementations).
EXECUTOR_NAMES = ("local", "ray")


class RaySettings(StrictModel):
    """How experiments are placed on a Ray cluster (used with `executor: ray`)."""

    address: str | None = Field(
        None,
        description="an existing cluster (e.g. 'auto' or 'ray://head:10001'); "
        "default: start a private local cluster for the run",
    )
    num_cpus: float | None = Field(
        None,
        gt=0,
        description="CPUs reserved per experiment; default: its torch threads where known "
        "(a private cluster: a local run's, so experiments run one at a time per machine "
        "instead of oversubscribing its cores), else 1",
    )
    num_gpus: float | None = Field(
        None,
        ge=0,
        description="GPUs per experiment; default 1 for a local model when the cluster has "
        "GPUs, else 0 (a vllm model takes its tensor_parallel_size)",
    )
    torch_threads: int | None = Field(
        None,
        ge=1,
        description="torch threads per experiment; default: the node's CPU count, as a local "
        "run uses, so results match it (Ray would otherwise cap threads at num_cpus)",
    )
    memory_gb: float | None = Field(
        None, gt=0, description="host memory reserved per experiment, for Ray's scheduler"
    )
    max_retries: int = Field(
        2, ge=0, description="reruns of an experiment whose worker process or host died"
    )
