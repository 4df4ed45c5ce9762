"""A run killed with SIGKILL mid-matrix resumes without redoing or corrupting anything."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from tests.helpers import write_config

FIRST = "tiny-llama_sentiment_zero-shot"
SECOND = "tiny-llama_sentiment_lora"


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, f"timed out waiting for {path}"
        time.sleep(0.05)


def test_sigkill_mid_matrix_then_resume(tmp_path: Path, benchlab_cache: Path) -> None:
    config = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(config.read_text())
    data["matrix"] = {"include": [{"modes": ["zero-shot", "lora"]}]}
    data["modes"][3]["epochs"] = 30  # long enough to be killed while training
    config.write_text(yaml.safe_dump(data))
    out = tmp_path / "run"
    env = {**os.environ, "BENCHLAB_CACHE": str(benchlab_cache)}
    process = subprocess.Popen(
        [sys.executable, "-m", "benchlab", "run", str(config), "--out", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(out / "experiments" / SECOND / "running.json", process)
        time.sleep(1.0)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    first = out / "experiments" / FIRST / "results.json"
    finished_before = json.loads(first.read_text())["finished_at"]
    assert not (out / "experiments" / SECOND / "results.json").exists()

    data["modes"][3]["epochs"] = 3
    config.write_text(yaml.safe_dump(data))
    summary = run_plan(load_plan(config), out)
    assert summary.ok
    assert json.loads(first.read_text())["finished_at"] == finished_before
    for path in out.rglob("*"):
        assert not path.name.endswith(".tmp"), path
        if path.suffix == ".json":
            json.loads(path.read_text())
        if path.suffix == ".jsonl":
            for line in path.read_text().splitlines():
                json.loads(line)
    assert not (out / "experiments" / SECOND / "running.json").exists()
