"""The vllm backend: refused at validate time where it cannot run; parity on a GPU machine."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from benchlab.backends.registry import backend_types
from benchlab.backends.vllm import engine_options, vllm_problem
from benchlab.config.schema import ModelSpec
from benchlab.errors import ConfigError
from benchlab.runner.planning import load_plan
from tests.helpers import write_config


def _vllm_config(tmp_path: Path, **extra: object) -> Path:
    path = write_config(tmp_path / "c.yaml", **extra)
    data = yaml.safe_load(path.read_text())
    for model in data["models"]:
        if model["kind"] == "causal":
            model["backend"] = "vllm"
            model["backend_options"] = {"tensor_parallel_size": 2}
    path.write_text(yaml.safe_dump(data))
    return path


def test_vllm_is_registered_with_the_request_types_it_serves() -> None:
    from benchlab.requests import GenerationRequest, LoglikelihoodRequest

    served = backend_types()["vllm"].served_types()
    assert set(served) == {GenerationRequest, LoglikelihoodRequest}


@pytest.mark.skipif(vllm_problem() is None, reason="this machine can run vLLM")
def test_a_machine_without_vllm_or_a_gpu_is_refused_at_validate_time(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_plan(_vllm_config(tmp_path))
    message = str(caught.value)
    assert "models[1] (tiny-llama): backend 'vllm' cannot run here" in message
    assert vllm_problem() in message and "hf_causal" in message


@pytest.mark.skipif(vllm_problem() is None, reason="this machine can run vLLM")
def test_a_private_ray_cluster_on_this_machine_is_refused_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="backend 'vllm' cannot run here"):
        load_plan(_vllm_config(tmp_path, executor="ray"))


def test_an_existing_ray_cluster_serves_it_on_its_own_nodes(tmp_path: Path) -> None:
    plan = load_plan(_vllm_config(tmp_path, executor="ray", ray={"address": "auto"}))
    assert plan.config.models[1].backend_name == "vllm"


@pytest.mark.skipif(vllm_problem() is None, reason="this machine can run vLLM")
def test_choosing_local_on_the_command_line_checks_this_machine(tmp_path: Path) -> None:
    import typer

    from benchlab.cli.run import with_executor

    plan = load_plan(_vllm_config(tmp_path, executor="ray", ray={"address": "auto"}))
    with pytest.raises(ConfigError, match="backend 'vllm' cannot run here"):
        with_executor(plan, "local", None)
    assert with_executor(plan, "ray", None).config.executor == "ray"
    with pytest.raises(typer.BadParameter):
        with_executor(plan, "slurm", None)


def test_engine_options_come_from_the_model_entry() -> None:
    spec = ModelSpec(
        name="m",
        path="org/m",
        kind="causal",
        backend="vllm",
        max_length=256,
        backend_options={"tensor_parallel_size": 4},
    )
    assert engine_options(spec) == {"tensor_parallel_size": 4, "max_model_len": 257}
    wrong = spec.model_copy(update={"backend_options": {"tensor_parallel": 4}})
    with pytest.raises(ConfigError, match=r"\['tensor_parallel'\] are not vllm engine options"):
        engine_options(wrong)


@pytest.mark.skipif(
    vllm_problem() is not None,
    reason=f"vLLM parity needs a CUDA GPU with vllm installed ({vllm_problem()}); "
    "run bench/vllm_parity.py on a GPU machine",
)
def test_vllm_matches_hf_causal_on_the_tiny_model(tiny_causal_dir: Path) -> None:
    from benchlab.backends.hf_causal import HFCausalBackend
    from benchlab.backends.vllm import VLLMBackend
    from benchlab.requests import GenerationRequest, LoglikelihoodRequest

    common = {"name": "t", "path": str(tiny_causal_dir), "kind": "causal", "max_length": 256}
    hf = HFCausalBackend.from_spec(ModelSpec(**common))
    engine = VLLMBackend.from_spec(
        ModelSpec(**common, backend="vllm", backend_options={"gpu_memory_utilization": 0.3})
    )
    requests = [
        LoglikelihoodRequest(context=f"Review: item {i} was", continuation=word)
        for i in range(8)
        for word in (" good", " bad", " fine and well")
    ]
    for a, b in zip(hf.loglikelihood(requests), engine.loglikelihood(requests), strict=True):
        assert b.logprob == pytest.approx(a.logprob, abs=1e-3)
        assert b.num_tokens == a.num_tokens
    prompts = [
        GenerationRequest(prompt=f"Review: {i}", max_new_tokens=12, stop=(".",)) for i in range(8)
    ]
    assert [r.texts for r in engine.generate(prompts)] == [r.texts for r in hf.generate(prompts)]
    sampled = [GenerationRequest(prompt="Review:", temperature=0.9, num_samples=3, seed=5)]
    again = engine.generate(sampled)
    assert engine.generate(sampled) == again and len(again[0].texts) == 3
