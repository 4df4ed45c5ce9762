"""The Ray executor on a local cluster: a matrix with a base mode, a killed worker, parity.

One cluster (`ray.init(num_cpus=2)`, token authentication off as on a CI machine) serves the
module. Its workers carry `ray_kill_hook`: the first training step in any worker (the base
experiment's) SIGKILLs that worker once. The experiment must be retried, redo only itself, and
the run end with predictions byte-identical to the local executor's.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
import yaml

from benchlab.record.marker import read_marker
from benchlab.runner.executors.ray_environment import (
    local_run_threads,
    private_cluster_settings,
    worker_runtime_env,
)
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.runner.status import run_status
from tests.helpers import write_config
from tests.runner.ray_kill_hook import KILL_ENV

ray = pytest.importorskip("ray", reason="the Ray executor tests need ray (pip install .[ray])")

BASE = "tiny-llama_sentiment_lora"
DEPENDENT = "tiny-llama_sentiment_lora-zs"
OTHER = "tiny-llama_sentiment_zero-shot"


@pytest.fixture(scope="module")
def kill_marker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The marker whose taker (the first worker to run a training step) kills itself."""
    marker = tmp_path_factory.mktemp("ray-kill") / "kill-once"
    marker.write_text("")
    return marker


@pytest.fixture(scope="module")
def cluster(kill_marker: Path):
    """A local two-CPU Ray cluster for the module, without token authentication, whose workers
    run the driver's code with a local run's threads and carry the kill-once hook."""
    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    runtime_env = worker_runtime_env(local_run_threads())  # as RayExecutor starts one
    env_vars = runtime_env["env_vars"]
    env_vars["PYTHONPATH"] += os.pathsep + str(Path(__file__).parent)  # ray_kill_hook
    env_vars[KILL_ENV] = str(kill_marker)
    runtime_env["worker_process_setup_hook"] = "ray_kill_hook.arm"
    for attempt in range(3):  # a loaded machine can miss Ray's 30 s node-startup window
        try:
            with private_cluster_settings():
                ray.init(
                    num_cpus=2,
                    include_dashboard=False,
                    log_to_driver=False,
                    runtime_env=runtime_env,
                )
            break
        except Exception:
            ray.shutdown()
            if attempt == 2:
                raise
    yield
    ray.shutdown()
    if previous is None:
        os.environ.pop("RAY_AUTH_MODE", None)
    else:
        os.environ["RAY_AUTH_MODE"] = previous


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny-llama on sentiment: zero-shot, LoRA, and zero-shot on the LoRA model (base_mode)."""
    path = write_config(tmp_path_factory.mktemp("ray-config") / "c.yaml")
    data = yaml.safe_load(path.read_text())
    data["models"] = [m for m in data["models"] if m["name"] == "tiny-llama"]
    lora = next(m for m in data["modes"] if m["name"] == "lora")
    lora["epochs"] = 2  # its worker dies at the first training step (ray_kill_hook)
    data["modes"] = [
        {"name": "zero-shot", "type": "zero_shot"},
        lora,
        {"name": "lora-zs", "type": "zero_shot", "base_mode": "lora"},
    ]
    data["profiles"]["quick"].update(max_train_examples=160, max_eval_examples=40)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local_run(config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ray-local") / "run"
    assert run_plan(load_plan(config), out, executor="local").ok
    return out


def _watch_base(out: Path, seen: dict) -> None:
    """Wait for the base experiment's running marker and ask `benchlab status` about it."""
    files = out / "experiments" / BASE
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        marker = read_marker(files / "running.json")
        if marker is not None and (files / "experiment.log").exists():
            seen["status"] = run_status(out, recheck_inputs=False).states.get(BASE)
            return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def ray_run(cluster, kill_marker: Path, config: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("ray-run") / "run"
    seen: dict = {}
    watcher = threading.Thread(target=_watch_base, args=(out, seen), daemon=True)
    watcher.start()
    summary = run_plan(load_plan(config), out, executor="ray")
    watcher.join(timeout=5)
    killed = kill_marker.with_suffix(".pid")
    seen["killed_pid"] = int(killed.read_text()) if killed.exists() else None
    seen["marker_taken"] = not kill_marker.exists()
    return out, summary, seen


def _starts(out: Path, experiment_id: str) -> list[str]:
    """'host:pid' of each attempt that started the experiment, from its own log."""
    log = (out / "experiments" / experiment_id / "experiment.log").read_text(encoding="utf-8")
    return [line.split()[2] for line in log.splitlines() if line.endswith(": started")]


def test_every_experiment_completes_despite_the_killed_worker(ray_run) -> None:
    out, summary, seen = ray_run
    assert seen["marker_taken"] and seen["killed_pid"] is not None, seen  # a worker died
    assert seen["status"] == "running"  # `benchlab status` saw the worker's live marker
    assert summary.ok, summary.errors
    assert not list(out.rglob("running.json"))
    assert not list(out.rglob(".*.tmp"))


def test_only_the_killed_experiment_ran_twice(ray_run) -> None:
    out, _, seen = ray_run
    base_attempts = _starts(out, BASE)
    assert len(base_attempts) == 2
    assert base_attempts[0].endswith(f":{seen['killed_pid']}")
    assert base_attempts[1] != base_attempts[0]
    assert len(_starts(out, OTHER)) == 1
    assert len(_starts(out, DEPENDENT)) == 1


def test_the_dependent_started_after_its_base_finished(ray_run) -> None:
    out, _, _ = ray_run

    def results(experiment_id: str) -> dict:
        return json.loads((out / "experiments" / experiment_id / "results.json").read_text())

    assert results(DEPENDENT)["started_at"] >= results(BASE)["finished_at"]
    log = (out / "experiments" / DEPENDENT / "experiment.log").read_text(encoding="utf-8")
    assert "already trained" in log  # reused the base's shared model, never trained it again


def test_predictions_are_byte_identical_to_the_local_executor(ray_run, local_run) -> None:
    out, _, _ = ray_run
    for experiment_id in (OTHER, BASE, DEPENDENT):
        ray_bytes = (out / "experiments" / experiment_id / "predictions.jsonl").read_bytes()
        local = (local_run / "experiments" / experiment_id / "predictions.jsonl").read_bytes()
        assert ray_bytes == local, experiment_id


def test_each_record_names_the_worker_host(ray_run) -> None:
    out, _, _ = ray_run
    record = json.loads((out / "experiments" / OTHER / "results.json").read_text())
    host = _starts(out, OTHER)[0].split(":")[0]
    assert record["provenance"]["hardware"]["host"] == host
    run_log = next(out.glob("benchmark_*.log")).read_text(encoding="utf-8")
    assert f"{OTHER}: complete on {host}" in run_log


def test_workers_run_the_drivers_benchlab_with_a_local_runs_threads(cluster) -> None:
    import benchlab

    @ray.remote
    def where() -> tuple[str, str | None, int]:
        import benchlab as on_worker

        return on_worker.__file__, os.environ.get("OMP_NUM_THREADS"), os.nice(0)

    expected = (benchlab.__file__, str(local_run_threads()), os.nice(0))
    assert ray.get(where.remote()) == expected  # same code, threads and priority as the driver
