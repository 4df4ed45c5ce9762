"""`benchlab publish --dry-run`: the folder, a card huggingface_hub parses, values as measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.publish import PublishError, assemble, validate_folder
from benchlab.publish.model_index import eval_result_files
from benchlab.report.records import load_run
from tests.publish.run_fixture import ENCODER, LORA, ZERO, write_publish_run


def _front_matter(readme: Path) -> dict:
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_dry_run_writes_a_card_the_hub_client_parses(tmp_path: Path) -> None:
    from huggingface_hub import ModelCard

    run_dir = tmp_path / "run"
    written = write_publish_run(run_dir, model_path="Qwen/Qwen2-0.5B")
    out = tmp_path / "upload"
    result = CliRunner().invoke(
        app,
        [
            "publish",
            str(run_dir),
            "--experiment",
            LORA,
            "--repo-id",
            "me/llm-lora",
            "--dry-run",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "dry run: nothing uploaded" in result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "README.md",
        "adapter_config.json",
        "adapter_model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    source = run_dir / "experiments" / LORA / "adapter" / "adapter_model.safetensors"
    assert (out / "adapter_model.safetensors").read_bytes() == source.read_bytes()
    # The adapter now names its base by hub id, as loading it from the Hub requires.
    assert json.loads((out / "adapter_config.json").read_text())["base_model_name_or_path"] == (
        "Qwen/Qwen2-0.5B"
    )

    card = ModelCard.load(out / "README.md", ignore_metadata_errors=False)
    assert card.data.base_model == "Qwen/Qwen2-0.5B"
    assert card.data.library_name == "peft"
    assert card.data.pipeline_tag == "text-generation"
    assert card.data.license == "other"
    assert "benchlab" in card.data.tags
    assert card.data.eval_results, "model-index parsed into EvalResults"

    # Independent reading: plain YAML front matter against json.load of results.json.
    measured = written[LORA]["metrics"]
    index = _front_matter(out / "README.md")["model-index"][0]["results"]
    assert [r["dataset"]["name"] for r in index] == ["sentiment"]
    values = {m["name"].split(" (")[0]: m["value"] for m in index[0]["metrics"]}
    from_json = json.loads((run_dir / "experiments" / LORA / "results.json").read_text())
    assert values == {name: m["value"] for name, m in from_json["metrics"].items()}
    assert set(values) == set(measured)
    for metric in index[0]["metrics"]:
        name = metric["name"].split(" (")[0]
        assert f"n={measured[name]['n']}" in metric["name"]

    body = card.text
    for section in (
        "## Summary",
        "## Training",
        "## Evaluation",
        "## Efficiency",
        "## Limitations",
        "## How to reproduce",
    ):
        assert section in body
    assert "zero-shot llm" in body and "finetune enc" in body, "base model and baseline compared"
    assert "--only llm_sentiment_lora" in body
    assert "peft's own placeholder card" not in body


def test_validation_catches_a_value_that_differs_from_results_json(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    write_publish_run(run_dir)
    folder = assemble(run_dir, LORA, "me/llm-lora")
    assert validate_folder(folder.path, folder.source) == 3
    readme = folder.path / "README.md"
    value = folder.source.record.metrics["accuracy"]["value"]
    readme.write_text(readme.read_text().replace(f"value: {value!r}", "value: 0.5", 1))
    with pytest.raises(PublishError, match="accuracy"):
        validate_folder(folder.path, folder.source)


def test_untrained_and_unknown_experiments_are_refused(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    write_publish_run(run_dir)
    with pytest.raises(PublishError, match="trained nothing"):
        assemble(run_dir, ZERO, "me/x")
    with pytest.raises(PublishError, match="not in"):
        assemble(run_dir, "nope_sentiment_lora", "me/x")
    with pytest.raises(PublishError, match="OWNER/NAME"):
        assemble(run_dir, LORA, "no-owner")
    result = CliRunner().invoke(
        app, ["publish", str(run_dir), "--experiment", ENCODER, "--repo-id", "me/x", "--dry-run"]
    )
    assert result.exit_code == 2 and "trained nothing" in result.output


def test_eval_results_only_for_benchmarks_the_hub_knows(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    written = write_publish_run(run_dir)
    record = next(r for r in load_run(run_dir).complete if r.experiment_id == LORA)
    assert eval_result_files((record,), "https://huggingface.co/me/x") == {}

    results = written[LORA]
    results["provenance"]["task"]["options"]["eval"] = {
        "path": "Idavidrein/gpqa",
        "name": "gpqa_diamond",
        "split": "train",
    }
    results["metrics"] = {"acc": {**results["metrics"]["accuracy"], "value": 0.2929}}
    (run_dir / "experiments" / LORA / "results.json").write_text(json.dumps(results))
    record = next(r for r in load_run(run_dir).complete if r.experiment_id == LORA)
    files = eval_result_files((record,), "https://huggingface.co/me/x")
    [entry] = files["sentiment.yaml"]
    assert entry["dataset"] == {"id": "Idavidrein/gpqa", "task_id": "gpqa_diamond"}
    assert entry["value"] == 29.29  # percent, as the Hub's leaderboards show it


def test_a_shared_sft_model_carries_every_task_it_was_evaluated_on(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    written = write_publish_run(run_dir)
    shared = run_dir / "shared" / "sft-llm-lora-abc"
    shared.parent.mkdir()
    (run_dir / "experiments" / LORA / "adapter").rename(shared)
    lora = written[LORA]
    lora["training"].update(artifact="../../shared/sft-llm-lora-abc", shared=True)
    (run_dir / "experiments" / LORA / "results.json").write_text(json.dumps(lora))
    other = "llm_topic_lora"
    (run_dir / "experiments" / other).mkdir()
    topic = {**lora, "experiment_id": other, "task": "topic"}
    (run_dir / "experiments" / other / "results.json").write_text(json.dumps(topic))
    plan = json.loads((run_dir / "run.json").read_text())
    plan["experiments"].append({**plan["experiments"][-1], "id": other, "task": {"name": "topic"}})
    (run_dir / "run.json").write_text(json.dumps(plan))

    folder = assemble(run_dir, LORA, "me/sft", out=tmp_path / "up")
    assert [r.experiment_id for r in folder.source.evaluated] == [LORA, other]
    assert validate_folder(folder.path, folder.source) == 6
    index = _front_matter(folder.path / "README.md")["model-index"][0]["results"]
    assert [r["dataset"]["name"] for r in index] == ["sentiment", "topic"]
    assert (folder.path / "adapter_model.safetensors").is_file()

    lora["training"]["artifact"] = "../../../elsewhere"
    (run_dir / "experiments" / LORA / "results.json").write_text(json.dumps(lora))
    with pytest.raises(PublishError, match="outside the run directory"):
        assemble(run_dir, LORA, "me/sft")
