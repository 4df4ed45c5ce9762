"""What Ray workers are handed: the driver's benchlab first on their path, a local run's threads."""

from __future__ import annotations

import os
import site
from pathlib import Path

import pytest

import benchlab
from benchlab.config.executor import RaySettings
from benchlab.runner.executors.ray_environment import (
    driver_source_root,
    local_run_threads,
    node_cpus,
    private_cluster_settings,
    worker_runtime_env,
)
from benchlab.runner.executors.ray_executor import RayExecutor

CHECKOUT = Path(benchlab.__file__).resolve().parents[1]  # these tests run from a source tree


def test_a_source_checkout_goes_first_on_the_workers_path(monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(["src", "extra", "src"]))
    env = worker_runtime_env(3)["env_vars"]
    paths = env["PYTHONPATH"].split(os.pathsep)
    assert driver_source_root() == CHECKOUT
    assert paths[0] == str(CHECKOUT)
    assert all(Path(p).is_absolute() for p in paths)  # workers need not share the cwd
    assert str(Path("extra").resolve()) in paths and len(paths) == len(set(paths))
    assert env["OMP_NUM_THREADS"] == "3"


def test_a_normal_install_leaves_the_workers_own_install_alone(monkeypatch) -> None:
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(CHECKOUT)])
    assert driver_source_root() is None
    assert worker_runtime_env(None) == {}
    assert worker_runtime_env(2) == {"env_vars": {"OMP_NUM_THREADS": "2"}}


@pytest.mark.parametrize(("omp", "expected"), [("3", 3), ("0", None), ("many", None), (None, None)])
def test_threads_follow_what_a_local_run_here_uses(monkeypatch, omp, expected) -> None:
    if omp is None:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OMP_NUM_THREADS", omp)
    assert local_run_threads() == (expected or node_cpus())


def test_the_executor_sends_threads_only_where_it_knows_the_machine(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert RayExecutor(RaySettings()).threads == 3  # a private cluster on this machine
    assert RayExecutor(RaySettings(address="auto")).threads is None  # each node's own CPUs
    assert RayExecutor(RaySettings(address="auto", torch_threads=4)).threads == 4


def test_a_private_cluster_starts_its_workers_at_the_drivers_priority(monkeypatch) -> None:
    name = "RAY_worker_niceness"  # Ray's own spelling, read by the raylet
    monkeypatch.delenv(name, raising=False)
    with private_cluster_settings():
        assert os.environ.get(name) == "0"
    assert name not in os.environ
    monkeypatch.setenv(name, "5")  # a user's own choice stands
    with private_cluster_settings():
        assert os.environ.get(name) == "5"
    assert os.environ.get(name) == "5"
