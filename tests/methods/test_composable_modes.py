"""A toy backend and toy modes join the matrix by one module each; base modes run first, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import tests.backends.toy_backend  # noqa: F401  (registers the toy backend)
from benchlab.config.plan import expand_matrix
from benchlab.config.schema import BenchConfig
from benchlab.errors import ConfigError
from benchlab.runner.fingerprints import spec_hash, spec_json
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.backends.toy_backend import toy_logprob
from tests.methods import toy_modes


def _config(tmp_path: Path, modes: list[dict]) -> Path:
    config = {
        "name": "toy",
        "models": [{"name": "toy", "path": "toy", "kind": "causal", "backend": "toy-chars"}],
        "tasks": [
            {
                "name": "sentiment",
                "type": "classification",
                "train": "builtin:sentiment/train.jsonl",
                "eval": "builtin:sentiment/eval.jsonl",
                "columns": {"text": "text", "label": "label", "id": "id"},
                "label_names": ["negative", "positive"],
                "template": "Review: {text}\nSentiment:",
            }
        ],
        "modes": modes,
        "profiles": {"quick": {"max_eval_examples": 20, "latency_examples": 1}},
        "default_profile": "quick",
    }
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """A run where the derived mode is listed before its base, so the plan must reorder."""
    folder = tmp_path_factory.mktemp("toy")
    modes = [
        {"name": "probe", "type": "toy_probe", "base_mode": "base"},
        {"name": "base", "type": "toy_train"},
    ]
    toy_modes.CALLS.clear()
    plan = load_plan(_config(folder, modes))
    summary = run_plan(plan, folder / "run")
    assert summary.ok, summary.errors
    return folder / "run", list(toy_modes.CALLS)


def test_base_mode_runs_first_and_trains_once(toy_run: tuple[Path, list]) -> None:
    run, calls = toy_run
    assert calls == [
        ("prepare", "toy_sentiment_base"),
        ("train", "toy_sentiment_base"),
        ("prepare", "toy_sentiment_probe"),
        ("prepare", "toy_sentiment_base"),  # the probe's base, reused from the shared folder
    ]
    [shared] = (run / "shared").iterdir()
    assert (shared / "training.json").is_file()
    results = json.loads((run / "experiments/toy_sentiment_base/results.json").read_text())
    assert results["training"]["shared"] is True


def test_toy_backend_answers_through_the_matrix(toy_run: tuple[Path, list]) -> None:
    run, _ = toy_run
    # The toy model prefers the verbalizer with the higher toy log-probability, for every item.
    preferred = max(["negative", "positive"], key=lambda label: toy_logprob(f" {label}"))
    for mode in ("base", "probe"):
        lines = (run / f"experiments/toy_sentiment_{mode}/predictions.jsonl").read_text()
        predictions = [json.loads(line) for line in lines.splitlines()]
        assert len(predictions) == 20
        assert {p["prediction"] for p in predictions} == {preferred}
        assert [p["correct"] for p in predictions] == [p["gold"] == preferred for p in predictions]


def test_derived_mode_has_its_own_fingerprint(toy_run: tuple[Path, list]) -> None:
    run, _ = toy_run
    fingerprints = {
        mode: json.loads((run / f"experiments/toy_sentiment_{mode}/results.json").read_text())[
            "provenance"
        ]["model_fingerprint"]
        for mode in ("base", "probe")
    }
    assert fingerprints["base"] != fingerprints["probe"]


def test_a_changed_base_mode_makes_what_builds_on_it_stale() -> None:
    """The spec hash of a derived mode covers its base's settings; others keep their hash."""

    def hashes(base_rate: float) -> dict[str, str]:
        modes = [
            {"name": "dpo", "type": "x", "base_mode": "sft"},
            {"name": "sft", "type": "x", "learning_rate": base_rate},
            {"name": "zero", "type": "x"},
        ]
        return {s.id: spec_hash(s) for s in expand_matrix(_bench(modes), "full", lambda *a: True)}

    before, after = hashes(1e-4), hashes(2e-4)
    assert before["m_t_dpo"] != after["m_t_dpo"]
    assert before["m_t_sft"] != after["m_t_sft"]
    assert before["m_t_zero"] == after["m_t_zero"]
    assert "base" not in spec_json(
        expand_matrix(_bench([{"name": "z", "type": "x"}]), "full", lambda *a: True)[0]
    )


def _bench(modes: list[dict]) -> BenchConfig:
    return BenchConfig.model_validate(
        {
            "models": [{"name": "m", "path": "p", "kind": "causal"}],
            "tasks": [{"name": "t"}],
            "modes": modes,
        }
    )


def test_plan_orders_chains_and_marks_bases() -> None:
    config = _bench(
        [
            {"name": "dpo", "type": "x", "base_mode": "sft"},
            {"name": "quant", "type": "x", "base_mode": "dpo"},
            {"name": "sft", "type": "x"},
            {"name": "zero", "type": "x"},
        ]
    )
    specs = expand_matrix(config, "full", lambda *a: True)
    assert [s.id for s in specs] == ["m_t_sft", "m_t_dpo", "m_t_quant", "m_t_zero"]
    by_id = {s.id: s for s in specs}
    assert by_id["m_t_quant"].base.id == "m_t_dpo"
    assert by_id["m_t_quant"].base.base.id == "m_t_sft"
    assert by_id["m_t_sft"].serves_as_base and by_id["m_t_dpo"].serves_as_base
    assert not by_id["m_t_quant"].serves_as_base and not by_id["m_t_zero"].serves_as_base
    assert by_id["m_t_dpo"].mode.options == {}  # base_mode is not a method option


@pytest.mark.parametrize(
    ("modes", "message"),
    [
        (
            [{"name": "dpo", "base_mode": "sfft"}],
            r"'dpo' has base_mode 'sfft', which is not a mode of this config",
        ),
        (
            [{"name": "a", "base_mode": "b"}, {"name": "b", "base_mode": "a"}],
            r"'a' has a circular base_mode \(a -> b -> a\)",
        ),
        ([{"name": "a", "base_mode": "a"}], r"'a' has a circular base_mode \(a -> a\)"),
    ],
)
def test_bad_base_mode_is_a_config_error(modes: list[dict], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        expand_matrix(_bench(modes), "full", lambda *a: True)


def test_registries_refuse_duplicate_names() -> None:
    from benchlab.backends.registry import register_backend
    from benchlab.methods.registry import register_method

    with pytest.raises(ValueError, match="backend 'toy-chars' is already registered"):
        register_backend("toy-chars", description="again")(type("Again", (), {}))
    with pytest.raises(ValueError, match="method type 'toy_train' is already registered"):
        register_method("toy_train")(type("Again", (), {}))
