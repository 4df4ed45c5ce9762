"""`benchlab distill` from the command line, on the real tiny causal model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from benchlab.cli.main import app


def _config(tmp_path: Path, model_dir: Path, **extra: str) -> Path:
    path = tmp_path / "distill.yaml"
    lines = [
        f"model: {{name: tiny, path: '{model_dir}', kind: causal}}",
        "task: {name: sums, type: gsm8k, train: 'builtin:arithmetic/train.jsonl', "
        "eval: 'builtin:arithmetic/eval.jsonl', prompt: sampled, num_fewshot: 0, "
        "max_new_tokens: 4}",
        "output: out/d.jsonl",
        "max_items: 3",
        "samples: 2",
        "temperature: 1.0",
        *(f"{k}: {v}" for k, v in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_real_sampler_reruns_identically_and_errors_are_one_line(
    tmp_path: Path, tiny_causal_dir: Path
) -> None:
    config = _config(tmp_path, tiny_causal_dir)
    first = CliRunner().invoke(app, ["distill", str(config)])
    assert first.exit_code == 0, first.output
    assert "out/d.jsonl" in first.output.replace("\\", "/")
    items = tmp_path / "out" / "d.jsonl.work" / "items.jsonl"
    saved = [json.loads(line) for line in items.read_text().splitlines()]
    assert len(saved) == 3 and all(len(row["samples"]) == 2 for row in saved)
    again = CliRunner().invoke(app, ["distill", str(config), "--fresh"])
    assert again.exit_code == 0, again.output
    assert [json.loads(line) for line in items.read_text().splitlines()] == saved
    rows = [json.loads(line) for line in (tmp_path / "out" / "d.jsonl").read_text().splitlines()]
    texts = {(r["item"], s["text"]) for r in saved for s in r["samples"] if s["correct"]}
    assert {(row["item"], row["completion"]) for row in rows} <= texts

    bad = _config(tmp_path, tiny_causal_dir, keep="best")
    result = CliRunner().invoke(app, ["distill", str(bad)])
    assert result.exit_code == 2 and "keep" in result.output
