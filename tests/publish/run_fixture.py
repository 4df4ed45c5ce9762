"""A small run directory with a trained LoRA adapter, its base model prompted zero-shot and an
encoder baseline: results.json and predictions written directly, the adapter saved as real
safetensors with a real (tiny) tokenizer, in milliseconds and without a model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from tests.report.run_fixtures import planted_predictions, write_experiment

LORA = "llm_sentiment_lora"
ZERO = "llm_sentiment_zero-shot"
ENCODER = "enc_sentiment_finetune"


def _tokenizer_json(folder: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=60, special_tokens=["<unk>", "<s>", "</s>"])
    tokenizer.train_from_iterator(["a good film", "a bad film", "good and bad"], trainer)
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 64}))


def _adapter(folder: Path) -> None:
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    weights = np.random.default_rng(0).normal(size=(8, 16)).astype(np.float32)
    save_file(
        {"base_model.model.layers.0.q_proj.lora_A.weight": weights},
        str(folder / "adapter_model.safetensors"),
    )
    config = {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "base_model_name_or_path": "/x/base"}
    (folder / "adapter_config.json").write_text(json.dumps(config))
    (folder / "README.md").write_text("peft's own placeholder card\n")
    _tokenizer_json(folder)


def _spec(experiment_id: str, model_path: str, mode: dict[str, Any]) -> dict[str, Any]:
    model, task, _ = experiment_id.split("_")
    return {
        "id": experiment_id,
        "model": {
            "name": model,
            "path": model_path,
            "kind": "causal" if model == "llm" else "encoder",
        },
        "task": {"name": task, "type": "classification"},
        "mode": mode,
        "seed": 0,
        "profile": {"name": "test", "max_eval_examples": 120, "bootstrap_resamples": 300},
    }


def write_publish_run(
    run_dir: Path,
    *,
    model_path: str = "builtin:tiny-causal",
    published: list[dict[str, Any]] | None = None,
    n: int = 120,
    hub_benchmark: bool = False,
) -> dict[str, dict[str, Any]]:
    """The run on disk; returns each experiment's results.json as written.

    `hub_benchmark` records the LoRA experiment's eval data as GPQA diamond from the Hub (a
    dataset the Hub lists as a benchmark), so its card gets an `.eval_results/` file.
    """
    gold, zero = planted_predictions(n, 0.5, seed=1)
    _, lora = planted_predictions(n, 0.9, seed=2, gold=gold)
    _, encoder = planted_predictions(n, 0.93, seed=3, gold=gold)
    modes = {
        ENCODER: ("enc-hub/encoder", {"name": "finetune", "type": "finetune", "epochs": 3}),
        ZERO: (model_path, {"name": "zero-shot", "type": "zero_shot"}),
        LORA: (model_path, {"name": "lora", "type": "lora", "r": 8, "learning_rate": 0.003}),
    }
    written = {
        ENCODER: write_experiment(run_dir, ENCODER, gold, encoder),
        ZERO: write_experiment(run_dir, ZERO, gold, zero, kind="causal", train_seconds=None),
        LORA: write_experiment(run_dir, LORA, gold, lora, kind="causal", method="lora"),
    }
    for experiment_id, results in written.items():
        path, mode = modes[experiment_id]
        results["provenance"]["spec"] = _spec(experiment_id, path, mode)
        results["provenance"]["hardware"] = {"cpu_count": 2, "cuda": False}
        results["seed"] = 0
    written[LORA]["training"]["artifact"] = "adapter"
    if hub_benchmark:
        written[LORA]["provenance"]["task"]["options"]["eval"] = {
            "path": "Idavidrein/gpqa",
            "name": "gpqa_diamond",
            "split": "train",
        }
    _adapter(run_dir / "experiments" / LORA / "adapter")
    for experiment_id, results in written.items():
        (run_dir / "experiments" / experiment_id / "results.json").write_text(json.dumps(results))
    plan = {
        "config_path": "configs/study.yaml",
        "config": {"name": "fixture", "published": published or []},
        "profile": "test",
        "experiments": [_spec(e, *modes[e]) for e in (ENCODER, ZERO, LORA)],
    }
    (run_dir / "run.json").write_text(json.dumps(plan))
    return written
