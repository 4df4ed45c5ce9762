"""A small judge study on disk: prompt sets, answer files and a config, with known outcomes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

# (candidate marker, reference marker) per prompt; the fake judge prefers GOOD over BAD.
PAIRS: dict[str, dict[str, tuple[str, str]]] = {
    "knowledge": {
        "k1": ("GOOD", "BAD"),
        "k2": ("GOOD", "BAD"),
        "k3": ("BAD", "GOOD"),
        "k4": ("GOOD", "GOOD"),
        "k5": ("BIASED", "BAD"),
        "k6": ("GOOD", "BAD"),
    },
    "math": {
        "m1": ("GOOD", "BAD"),
        "m2": ("BAD", "GOOD"),
        "m3": ("BAD", "GOOD"),
        "m4": ("GARBLED", "BAD"),
    },
    "creativity": {
        "c1": ("GOOD", "BAD"),
        "c2": ("GOOD", "BAD"),
        "c3": ("GOOD", "BAD"),
        "c4": ("GOOD", "BAD"),
        "c5": ("BAD", "BAD"),
    },
}
# expected (wins, losses, ties, unparseable) per category
EXPECTED = {"knowledge": (3, 1, 2, 0), "math": (1, 2, 0, 1), "creativity": (4, 0, 1, 0)}
N_PAIRS = sum(len(p) for p in PAIRS.values())


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def write_study(root: Path, base_url: str, key_env: str, **overrides: Any) -> Path:
    """Write prompts, answers and judge.yaml under `root`; returns the config path."""
    candidate, reference = [], []
    for category, pairs in PAIRS.items():
        rows = []
        for pid, (ours, theirs) in pairs.items():
            question = f"{category} question {pid}?"
            row = {"id": pid, "prompt": question}
            if category == "math":
                row["gold"] = "42"
            rows.append(row)
            candidate.append({"id": pid, "output": f"{ours} answer to {pid}" + " more" * len(pid)})
            reference.append(
                {"instruction": question, "output": f"{theirs} reply", "generator": "ref"}
            )
        _jsonl(root / "prompts" / f"{category}.jsonl", rows)
    _jsonl(root / "answers" / "mine.jsonl", candidate)
    (root / "answers" / "gpt4.json").write_text(json.dumps(reference), encoding="utf-8")
    config: dict[str, Any] = {
        "judge": {
            "endpoint": {"base_url": base_url, "model": "fake-judge", "api_key_env": key_env},
            "max_tokens": 64,
        },
        "categories": [
            {"name": "knowledge", "prompts": {"file": "prompts/knowledge.jsonl"}, "weight": 2},
            {
                "name": "math",
                "prompts": {"file": "prompts/math.jsonl", "reference_field": "gold"},
                "reference_guided": True,
            },
            {"name": "creativity", "prompts": {"file": "prompts/creativity.jsonl"}},
        ],
        "candidates": [{"name": "mine", "answers": {"file": "answers/mine.jsonl"}}],
        "reference": {
            "name": "gpt4",
            "answers": {"file": "answers/gpt4.json", "match_on": "question"},
        },
        "budget": {"price_input_per_million": 2.5, "price_output_per_million": 10.0},
        "concurrency": 2,
        "timeout_s": 0.3,
        "retries": 5,
        "backoff_base_s": 0.001,
        "backoff_max_s": 0.01,
        "repeat_fraction": 0.25,
        "n_resamples": 200,
        "output_dir": str(root / "out"),
    }
    config.update(overrides)
    path = root / "judge.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
