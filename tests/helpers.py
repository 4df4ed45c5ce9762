"""Builders shared by tests: small configs and data files written to a temp dir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

__all__ = ["write_config", "write_jsonl"]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write rows as JSON lines."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_config(path: Path, **overrides: Any) -> Path:
    """A small valid study config (tiny models, generated sentiment task) with overrides."""
    config: dict[str, Any] = {
        "name": "test",
        "seeds": [42],
        "models": [
            {
                "name": "tiny-bert",
                "path": "builtin:tiny-encoder",
                "kind": "encoder",
                "batch_size": 32,
                "max_length": 64,
            },
            {
                "name": "tiny-llama",
                "path": "builtin:tiny-causal",
                "kind": "causal",
                "batch_size": 32,
                "max_length": 256,
            },
        ],
        "tasks": [
            {
                "name": "sentiment",
                "type": "classification",
                "train": "builtin:sentiment/train.jsonl",
                "eval": "builtin:sentiment/eval.jsonl",
                "columns": {"text": "text", "label": "label", "id": "id"},
                "label_names": ["negative", "positive"],
                "template": "Review: {text}\nSentiment:",
            },
        ],
        "modes": [
            {
                "name": "finetune",
                "type": "finetune",
                "epochs": 2,
                "learning_rate": 1e-3,
                "batch_size": 16,
                "max_length": 64,
            },
            {"name": "zero-shot", "type": "zero_shot"},
            {"name": "few-shot", "type": "few_shot", "k": 2, "seed": 3},
            {
                "name": "lora",
                "type": "lora",
                "r": 8,
                "alpha": 16,
                "dropout": 0.0,
                "target_modules": "all-linear",
                "epochs": 3,
                "learning_rate": 3e-3,
                "batch_size": 16,
                "max_length": 64,
            },
        ],
        "profiles": {
            "quick": {
                "max_train_examples": 240,
                "max_eval_examples": 60,
                "latency_examples": 3,
                "bootstrap_resamples": 200,
            }
        },
        "default_profile": "quick",
    }
    config.update(overrides)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
