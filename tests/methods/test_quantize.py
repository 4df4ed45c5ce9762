"""The quantize mode: built on a base mode, saved and reloaded, never reading the parent's cache."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from benchlab.errors import ConfigError
from benchlab.runner.planning import load_plan
from tests.helpers import write_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _task() -> dict:
    return {
        "name": "sentiment",
        "type": "classification",
        "train": "builtin:sentiment/train.jsonl",
        "eval": "builtin:sentiment/eval.jsonl",
        "columns": {"text": "text", "label": "label", "id": "id"},
        "label_names": ["negative", "positive"],
        "template": "Review: {text}\nSentiment:",
    }


@pytest.fixture(scope="module")
def quantized_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Counter]:
    """Zero-shot, then two quantized copies of it, all through one response cache.

    Every request the backends compute on a cache miss is counted per model fingerprint.
    """
    pytest.importorskip("bitsandbytes")
    pytest.importorskip("torchao")
    from benchlab.backends.hf_causal import HFCausalBackend
    from benchlab.runner.run import run_plan

    folder = tmp_path_factory.mktemp("quantize")
    model = {
        "name": "tiny-llama",
        "path": "builtin:tiny-causal",
        "kind": "causal",
        "batch_size": 16,
        "max_length": 256,
        "cache_path": str(folder / "cache.sqlite"),
    }
    config = write_config(
        folder / "q.yaml",
        models=[model],
        tasks=[_task()],
        modes=[
            {
                "name": "int8",
                "type": "quantize",
                "scheme": "torchao-int8-weight",
                "base_mode": "zero-shot",
            },
            {"name": "zero-shot", "type": "zero_shot"},
            {"name": "nf4", "type": "quantize", "scheme": "bnb-nf4", "base_mode": "zero-shot"},
        ],
        matrix={"include": [{}]},
        profiles={"quick": {"max_eval_examples": 24, "latency_examples": 2}},
        default_profile="quick",
    )
    computed: Counter = Counter()
    original = HFCausalBackend._loglikelihood

    def counting(self, requests):
        if self.cache is not None:  # the evaluate pass (latency bypasses the cache)
            computed[self.fingerprint] += len(requests)
        return original(self, requests)

    HFCausalBackend._loglikelihood = counting
    try:
        summary = run_plan(load_plan(config), folder / "run")
    finally:
        HFCausalBackend._loglikelihood = original
    assert summary.ok, summary.errors
    return folder / "run", computed


def _experiment(run: Path, mode: str) -> tuple[dict, dict | None, list[dict]]:
    folder = run / "experiments" / f"tiny-llama_sentiment_{mode}"
    results = json.loads((folder / "results.json").read_text())
    facts_path = folder / "quantization.json"
    facts = json.loads(facts_path.read_text()) if facts_path.is_file() else None
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    return results, facts, rows


def test_variants_never_read_the_parents_cached_answers(
    quantized_run: tuple[Path, Counter],
) -> None:
    run, computed = quantized_run
    parent, _, parent_rows = _experiment(run, "zero-shot")
    fingerprints = {parent["provenance"]["model_fingerprint"]}
    assert computed[parent["provenance"]["model_fingerprint"]] == 2 * len(parent_rows)
    for mode, label in (("int8", "torchao-int8-weight"), ("nf4", "bnb-nf4")):
        results, facts, rows = _experiment(run, mode)
        fingerprint = results["provenance"]["model_fingerprint"]
        assert facts is not None and facts["label"] == label
        assert facts["fingerprint"] == fingerprint
        assert facts["parent_fingerprint"] == parent["provenance"]["model_fingerprint"]
        fingerprints.add(fingerprint)
        # the parent's answers sat in the same cache file, yet every request was computed
        assert computed[fingerprint] == 2 * len(rows)  # two labels per item
        assert [r["id"] for r in rows] == [r["id"] for r in parent_rows]
    assert len(fingerprints) == 3  # the scheme and the quantized weights are in the key


def test_variant_is_saved_reloaded_and_scored_like_its_parent(
    quantized_run: tuple[Path, Counter],
) -> None:
    run, _ = quantized_run
    parent, _, _ = _experiment(run, "zero-shot")
    for mode in ("int8", "nf4"):
        results, facts, _ = _experiment(run, mode)
        folder = run / "experiments" / f"tiny-llama_sentiment_{mode}"
        saved = folder / "quantized"
        assert (saved / "config.json").is_file()
        assert "quantization_config" in json.loads((saved / "config.json").read_text())
        assert facts["size_on_disk_bytes"] == sum(f.stat().st_size for f in saved.glob("*.safe*"))
        assert facts["size_on_disk_bytes"] < facts["parent_size_on_disk_bytes"]
        assert facts["memory_bytes"] < facts["parent_memory_bytes"]
        assert facts["layers"]["quantized"] == facts["layers"]["linear"] - 1  # all but the head
        assert facts["scoring_path"] == facts["parent_scoring_path"] == "packed"
        assert facts["load_seconds"] > 0
        assert not (folder / "parent-weights").exists()  # scratch copy removed
        assert results["method"] == "quantize"
        assert results["cost"]["latency_ms"]["n"] == parent["cost"]["latency_ms"]["n"]


def test_report_has_a_compression_section(quantized_run: tuple[Path, Counter]) -> None:
    from benchlab.report.build import build_report

    run, _ = quantized_run
    analysis = build_report(run)
    html = (analysis / "report.html").read_text()
    assert 'id="compression"' in html and "minimum detectable drop" in html
    variants = json.loads((analysis / "compression.json").read_text())["variants"]
    assert {v["scheme"] for v in variants} == {"torchao-int8-weight", "bnb-nf4"}
    assert all(v["parent"] == "tiny-llama_sentiment_zero-shot" for v in variants)


def _gptq_config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "g.yaml",
        tasks=[_task()],
        modes=[
            {"name": "zero-shot", "type": "zero_shot"},
            {
                "name": "gptq-3",
                "type": "quantize",
                "scheme": "gptq",
                "bits": 3,
                "base_mode": "zero-shot",
            },
        ],
    )


def test_gpu_only_scheme_on_cpu_is_one_clear_error_at_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchlab.backends.quantization import registry

    monkeypatch.setattr(registry, "_has_gpu", lambda: False)
    with pytest.raises(ConfigError) as caught:
        load_plan(_gptq_config(tmp_path))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'g.yaml'}: modes[1]: gptq:3 quantizes on a CUDA GPU")
    assert "run this config on a GPU machine" in message


def test_shipped_gptq_study_validates_where_gptq_can_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field of configs/quantize-gptq.yaml checks out; only the GPU check stops it here."""
    from benchlab.methods import quantize

    monkeypatch.setattr(quantize, "unavailable_reason", lambda choice: None)
    plan = load_plan(CONFIGS / "quantize-gptq.yaml")
    modes = Counter(spec.mode.name for spec in plan.experiments)
    assert modes == {"base": 3, "gptq-4": 3, "gptq-3": 3, "gptq-2": 3, "nf4": 3}
    gptq = [s for s in plan.experiments if s.mode.name.startswith("gptq")]
    assert all(s.base is not None and s.base.mode.name == "base" for s in gptq)
    config = yaml.safe_load((CONFIGS / "quantize-gptq.yaml").read_text())
    assert {m.get("bits") for m in config["modes"] if m.get("scheme") == "gptq"} == {4, 3, 2}


def test_shipped_gptq_study_stops_with_one_line_without_gpu() -> None:
    from benchlab.backends.quantization import parse_choice, unavailable_reason

    if unavailable_reason(parse_choice("gptq", bits=4)) is None:
        pytest.skip("this machine can run gptq")
    expected = r"modes\[1\]: gptq:4 (quantizes on a CUDA GPU only|needs )"
    with pytest.raises(ConfigError, match=expected):
        load_plan(CONFIGS / "quantize-gptq.yaml")
