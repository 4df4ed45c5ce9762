"""What each experiment asks of a Ray cluster, and how the executor is chosen."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from benchlab.config.executor import RaySettings
from benchlab.config.plan import ExperimentSpec
from benchlab.config.schema import ModelSpec, ModeSpec, ProfileSpec, TaskSpec
from benchlab.errors import ConfigError
from benchlab.runner.executors import build_executor, executor_names
from benchlab.runner.executors.ray_resources import experiment_resources
from benchlab.runner.planning import load_plan
from tests.helpers import write_config


def _spec(**model: object) -> ExperimentSpec:
    return ExperimentSpec(
        id="m_t_zero-shot",
        model=ModelSpec(name="m", path="org/m", **({"kind": "causal"} | model)),
        task=TaskSpec(name="t"),
        mode=ModeSpec(name="zero-shot"),
        seed=1,
        profile_name="full",
        profile=ProfileSpec(),
    )


def test_a_local_model_takes_one_gpu_only_where_the_cluster_has_them() -> None:
    settings = RaySettings()
    assert experiment_resources(_spec(), settings, cluster_gpus=0) == {
        "num_cpus": 1,
        "num_gpus": 0.0,
    }
    assert experiment_resources(_spec(), settings, cluster_gpus=8)["num_gpus"] == 1.0


def test_cpus_follow_the_experiments_threads_unless_set() -> None:
    threads = {"cluster_gpus": 0, "threads": 2}
    assert experiment_resources(_spec(), RaySettings(), **threads)["num_cpus"] == 2
    assert experiment_resources(_spec(), RaySettings(num_cpus=0.5), **threads)["num_cpus"] == 0.5


def test_vllm_takes_its_tensor_parallel_size_and_an_api_no_gpu() -> None:
    settings = RaySettings(num_gpus=1, num_cpus=4, memory_gb=2)
    vllm = _spec(backend="vllm", backend_options={"tensor_parallel_size": 4})
    assert experiment_resources(vllm, settings, cluster_gpus=8) == {
        "num_cpus": 4,
        "num_gpus": 4.0,
        "memory": 2 * 2**30,
    }
    api = _spec(kind="api", backend_options={"base_url": "http://x"})
    assert experiment_resources(api, settings, cluster_gpus=8)["num_gpus"] == 0.0


def test_both_executors_are_registered_and_an_unknown_one_is_refused() -> None:
    assert {"local", "ray"} <= set(executor_names())
    with pytest.raises(ConfigError, match="unknown executor 'slurm'"):
        build_executor("slurm")


def test_the_config_field_is_checked_at_validate_time(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.yaml", executor="ray", ray={"max_retries": 1})
    plan = load_plan(path)
    assert plan.config.executor == "ray" and plan.config.ray.max_retries == 1
    data = yaml.safe_load(path.read_text())
    data["executor"] = "slurm"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="unknown executor 'slurm'"):
        load_plan(path)


def test_the_command_line_overrides_the_config(tmp_path: Path) -> None:
    import typer

    from benchlab.cli.run import with_executor

    plan = load_plan(write_config(tmp_path / "c.yaml"))
    assert plan.config.executor == "local"
    assert with_executor(plan, "ray", None).config.executor == "ray"
    joined = with_executor(plan, None, "ray://head:10001").config
    assert joined.executor == "ray" and joined.ray.address == "ray://head:10001"
    with pytest.raises(typer.BadParameter, match="--executor 'dask'"):
        with_executor(plan, "dask", None)


def test_a_retry_waits_while_an_earlier_attempt_is_live(tmp_path: Path) -> None:
    import logging

    from benchlab.record.layout import ExperimentFiles
    from benchlab.record.marker import RunningMarker
    from benchlab.runner.executors.base import Job
    from benchlab.runner.executors.ray_worker import wait_while_running

    job = Job(_spec(), ExperimentFiles(tmp_path / "e"))
    job.files.root.mkdir()
    logger = logging.getLogger("test-ray-wait")
    started = time.monotonic()
    wait_while_running(job, logger, poll_seconds=0.05, limit=5)  # no marker: no wait
    assert time.monotonic() - started < 1
    with RunningMarker(job.files.running, "2026-01-01T00:00:00+00:00"):  # live: this process
        started = time.monotonic()
        wait_while_running(job, logger, poll_seconds=0.05, limit=0.5)
        assert 0.5 <= time.monotonic() - started < 3
