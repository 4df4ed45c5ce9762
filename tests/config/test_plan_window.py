"""`plan_window` on a model: 512-example windows by default, chunks or the task on request."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from benchlab.config.schema import ModelSpec
from benchlab.errors import ConfigError
from benchlab.runner.fingerprints import spec_hash, spec_json
from benchlab.runner.planning import load_plan
from tests.helpers import write_config


def _plan(tmp_path: Path, **llama: object):
    path = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(path.read_text())
    for model in data["models"]:
        if model["name"] == "tiny-llama":
            model.update(llama)
    path.write_text(yaml.safe_dump(data))
    return load_plan(path)


def _llama(plan):
    return next(s for s in plan.experiments if s.model.name == "tiny-llama")


def test_the_default_leaves_the_spec_and_its_hash_as_before(tmp_path: Path) -> None:
    plain, explicit = _plan(tmp_path), _plan(tmp_path, plan_window=0)
    assert "plan_window" not in spec_json(_llama(plain))["model"]
    assert spec_hash(_llama(plain)) != spec_hash(_llama(explicit))


def test_a_set_window_is_part_of_the_spec(tmp_path: Path) -> None:
    plain, task_wide = _plan(tmp_path), _plan(tmp_path, plan_window="task")
    assert spec_json(_llama(task_wide))["model"]["plan_window"] == "task"
    assert spec_hash(_llama(plain)) != spec_hash(_llama(task_wide))
    assert _llama(_plan(tmp_path, plan_window=4096)).model.plan_window == 4096


def test_a_negative_or_unknown_window_and_a_backend_that_ignores_it_are_refused(
    tmp_path: Path,
) -> None:
    for bad in (-1, "all"):
        with pytest.raises(ConfigError, match="plan_window"):
            _plan(tmp_path, plan_window=bad)
    with pytest.raises(ValueError, match="plan_window applies to the hf_causal backend only"):
        ModelSpec(name="e", path="x", kind="encoder", plan_window="task")


def test_the_causal_backend_plans_across_the_window(tiny_causal_dir: Path) -> None:
    from benchlab.backends.hf_causal import DEFAULT_PLAN_WINDOW, HFCausalBackend

    common = {"name": "t", "path": str(tiny_causal_dir), "kind": "causal", "max_length": 64}
    default = HFCausalBackend.from_spec(ModelSpec(**common))
    chunked = HFCausalBackend.from_spec(ModelSpec(**common, plan_window=0))
    task_wide = HFCausalBackend.from_spec(ModelSpec(**common, plan_window="task"))
    assert (default.plan_window, chunked.plan_window, task_wide.plan_window) == (
        DEFAULT_PLAN_WINDOW,
        0,
        sys.maxsize,
    )
    assert chunked.fingerprint != task_wide.fingerprint  # cached answers are not shared
