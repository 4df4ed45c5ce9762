"""An OpenAI-compatible endpoint is a matrix model: benchmarked zero-shot like a local one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.helpers import write_jsonl
from tests.judge.fake_openai import FakeChatServer

ROWS = [
    {
        "question": f"Tom has {i} apples and buys 2 more. How many now?",
        "answer": f"Tom has {i} + 2 = <<{i}+2={i + 2}>>{i + 2} apples.\n#### {i + 2}",
    }
    for i in range(10, 16)
]


def _answer(body: dict[str, Any]) -> str:
    """Right for even apple counts, off by one for odd ones: the scorer must tell them apart."""
    prompt = body["messages"][-1]["content"]
    apples = int(re.findall(r"Tom has (\d+) apples", prompt)[-1])
    return f"The answer is {apples + 2 + apples % 2}."


def test_api_model_runs_zero_shot_through_the_matrix(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "gsm.jsonl", ROWS)
    server = FakeChatServer(verdict=_answer)
    url = server.start()
    try:
        config = {
            "name": "api",
            "models": [
                {
                    "name": "served",
                    "path": "served-model",
                    "backend": "openai_compatible",
                    "backend_options": {"base_url": url},
                }
            ],
            "tasks": [{"name": "gsm", "type": "gsm8k", "eval": str(data)}],
            "modes": [{"name": "zero-shot", "type": "zero_shot"}],
            "profiles": {"quick": {"latency_examples": 0}},
            "default_profile": "quick",
        }
        path = tmp_path / "api.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        summary = run_plan(load_plan(path), tmp_path / "run")
    finally:
        server.stop()
    assert summary.ok, summary.errors
    folder = tmp_path / "run/experiments/served_gsm_zero-shot"
    predictions = [json.loads(x) for x in (folder / "predictions.jsonl").read_text().splitlines()]
    assert [p["correct"] for p in predictions] == [i % 2 == 0 for i in range(10, 16)]
    assert all(body["model"] == "served-model" for body in server.requests)
    results = json.loads((folder / "results.json").read_text())
    assert results["model_kind"] == "api"
