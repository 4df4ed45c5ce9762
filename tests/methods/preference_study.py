"""A small study config on the generated sentiment task, shared by the DPO and QLoRA tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["SENTIMENT", "TINY_LLAMA", "sentiment_task", "write_study"]

TINY_LLAMA = {
    "name": "tiny-llama",
    "path": "builtin:tiny-causal",
    "kind": "causal",
    "batch_size": 32,
    "max_length": 256,
}
SENTIMENT = {
    "name": "sentiment",
    "type": "classification",
    "train": "builtin:sentiment/train.jsonl",
    "eval": "builtin:sentiment/eval.jsonl",
    "columns": {"text": "text", "label": "label", "id": "id"},
    "label_names": ["negative", "positive"],
    "template": "Review: {text}\nSentiment:",
}


def write_study(folder: Path, modes: list[dict[str, Any]], **profile: Any) -> Path:
    """A config with the tiny Llama, the sentiment task, `modes` and a quick profile."""
    quick = {"latency_examples": 0, "bootstrap_resamples": 200, **profile}
    config = {
        "name": "preference-test",
        "models": [TINY_LLAMA],
        "tasks": [SENTIMENT],
        "modes": modes,
        "profiles": {"quick": quick},
        "default_profile": "quick",
    }
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def sentiment_task():
    """The sentiment task built as the runner builds it, its built-in files resolved."""
    from benchlab.quickstart.resources import resolve_builtin_data
    from benchlab.tasks.registry import build_task

    options = {k: v for k, v in SENTIMENT.items() if k not in ("name", "type")}
    for split in ("train", "eval"):
        options[split] = str(resolve_builtin_data(options[split]))
    return build_task("classification", "sentiment", options)
