"""The Ray executor: each experiment a Ray task on a cluster, a base mode's task first.

The driver (`benchlab run`) submits a task per experiment with the resources its model needs
(CPUs, GPUs, memory) and submits an experiment only once its base mode's task has finished, so
a base is trained once and reused. Only the job (a spec and paths) and the outcome (a small
dict) travel through Ray's object store: models load on the worker, and every file is written
by the worker, atomically, into the run directory, which must be on storage every node sees
(a shared POSIX path such as NFS). A worker process or host that dies mid-experiment is retried
(`max_retries`); the retry first reads the experiment's state, so a record already written is
never redone, and a failure inside an experiment is recorded in its folder as locally.
Workers run the driver's benchlab with a local run's threads (see `ray_environment`), so their
predictions are byte-identical to the local executor's.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchlab.config.executor import RaySettings
from benchlab.errors import BenchlabError
from benchlab.record.atomic import write_json_atomic
from benchlab.runner.executors.base import Job, JobOutcome
from benchlab.runner.executors.ray_environment import (
    local_run_threads,
    node_cpus,
    private_cluster_settings,
    worker_runtime_env,
)
from benchlab.runner.executors.ray_resources import experiment_resources

if TYPE_CHECKING:
    from benchlab.config.schema import BenchConfig

__all__ = ["RayExecutor", "RayUnavailableError"]

_CONNECT_ATTEMPTS = 3  # a loaded machine can miss Ray's fixed 30 s node-startup window
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class RayUnavailableError(BenchlabError):
    """`executor: ray` was chosen but Ray is not installed or the cluster cannot be reached."""


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise RayUnavailableError(
            "executor 'ray' needs the ray package: pip install ray (or run with --executor local)"
        ) from None
    return ray


def _run_step(step: Callable[[Job], JobOutcome], job: Job, threads: int | None) -> JobOutcome:
    """The body of each Ray task: the detached step, on the worker, with torch's threads set.

    Ray caps a task's OpenMP threads at its num_cpus; training then sums in another order than
    a local run, and the last digits of scores move. Threads are set as a local run has them
    (on another node: that node's CPUs).
    """
    import torch

    torch.set_num_threads(threads or node_cpus())
    return step(job)


def _absolute(job: Job) -> Job:
    """The job with an absolute experiment folder (workers do not share the driver's cwd)."""
    files = dataclasses.replace(job.files, root=Path(job.files.root).resolve())
    return dataclasses.replace(job, files=files)


def _nearest_planned_base(job: Job, planned: set[str]) -> str | None:
    """The id of the closest base mode experiment that this run also runs, if any."""
    base = job.spec.base
    while base is not None and base.id not in planned:
        base = base.base
    return None if base is None else base.id


class RayExecutor:
    """Runs every experiment as a Ray task (see the module docstring)."""

    name = "ray"

    def __init__(self, settings: RaySettings | None = None) -> None:
        self.settings = settings or RaySettings()

    @classmethod
    def from_config(cls, *, config: BenchConfig | None = None) -> RayExecutor:
        """The executor set up from the study config's `ray:` section."""
        return cls(None if config is None else config.ray)

    def execute(
        self,
        jobs: Sequence[Job],
        step: Callable[[Job], JobOutcome],
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        """Submit each job once its base's job is done; report outcomes as they arrive."""
        ray = _import_ray()
        started_here = not ray.is_initialized()
        if started_here:
            self._connect(ray)
        try:
            self._schedule(ray, [_absolute(job) for job in jobs], step, on_outcome)
        finally:
            if started_here:
                ray.shutdown()

    @property
    def threads(self) -> int | None:
        """torch threads per experiment: the setting, else a local run's here (None: the node's)."""
        if self.settings.torch_threads is not None:
            return self.settings.torch_threads
        return local_run_threads() if self.settings.address is None else None

    def _connect(self, ray: Any) -> None:
        """Join the configured cluster, or start a private local one for this run."""
        options: dict[str, Any] = {
            "log_to_driver": False,
            "include_dashboard": False,
            "runtime_env": worker_runtime_env(self.threads),
        }
        if self.settings.address is None:
            options["num_cpus"] = node_cpus()
        for attempt in range(_CONNECT_ATTEMPTS):
            try:
                if self.settings.address is None:
                    with private_cluster_settings():
                        ray.init(**options)
                else:
                    ray.init(address=self.settings.address, **options)
                return
            except Exception as error:  # ray raises a bare Exception when startup times out
                ray.shutdown()
                if attempt + 1 < _CONNECT_ATTEMPTS:
                    continue
                where = self.settings.address or "a local cluster"
                raise RayUnavailableError(
                    f"cannot start or reach Ray at {where} ({_CONNECT_ATTEMPTS} attempts): "
                    f"{_one_line(error)}. Check ray.address / --address (e.g. 'auto' on a "
                    "cluster node) and the cluster's token (RAY_AUTH_TOKEN), or set "
                    "RAY_AUTH_MODE=disabled for a private test cluster"
                ) from error

    def _schedule(
        self,
        ray: Any,
        jobs: list[Job],
        step: Callable[[Job], JobOutcome],
        on_outcome: Callable[[JobOutcome], None],
    ) -> None:
        detached = step.detached() if hasattr(step, "detached") else step
        detached_ref = ray.put(detached)  # sent once, not once per task
        task = ray.remote(_run_step)
        resources = ray.cluster_resources()
        gpus = float(resources.get("GPU", 0))
        threads = self.threads
        reserved = None if threads is None else min(threads, resources.get("CPU", 1))
        planned = {job.spec.id for job in jobs}
        waiting_on = {job.spec.id: _nearest_planned_base(job, planned) for job in jobs}
        waiting, in_flight, done = list(jobs), {}, set()
        while waiting or in_flight:
            ready = [j for j in waiting if waiting_on[j.spec.id] in done | {None}]
            for job in ready:
                waiting.remove(job)
                options = experiment_resources(
                    job.spec, self.settings, cluster_gpus=gpus, threads=reserved
                )
                ref = task.options(
                    name=job.spec.id,
                    max_retries=self.settings.max_retries,
                    retry_exceptions=False,
                    **options,
                ).remote(detached_ref, job, self.threads)
                in_flight[ref] = job
            finished, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in finished:
                job = in_flight.pop(ref)
                done.add(job.spec.id)
                on_outcome(self._outcome(ray, ref, job))

    def _outcome(self, ray: Any, ref: Any, job: Job) -> JobOutcome:
        """The task's outcome; a task that broke or that Ray gave up on is recorded as failed."""
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as error:  # the step itself broke (not the worker)
            cause = error.cause if error.cause is not None else error
            message = f"on a Ray worker: {type(cause).__name__}: {_one_line(cause)}"
        except ray.exceptions.RayError as error:  # the worker or its host died too often
            message = (
                f"Ray gave up after {self.settings.max_retries} retries "
                f"({type(error).__name__}): {_one_line(error)}"
            )
        write_json_atomic(
            job.files.failure,
            {
                "status": "failed",
                "error": message,
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
        )
        return JobOutcome(job.spec.id, "failed", error=message, host="a Ray worker")


def _one_line(error: BaseException) -> str:
    """The error's text on one line, without terminal colour codes, at most 400 characters."""
    return _ANSI.sub("", " ".join(str(error).split()))[:400]
