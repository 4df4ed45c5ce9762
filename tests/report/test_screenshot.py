"""report.html rendered by headless Chromium with the network off shows the table and plots."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchlab.report.screenshot import find_chromium
from tests.report.run_fixtures import planted_predictions, write_experiment, write_failed

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    find_chromium() is None, reason="chromium not installed (apt-get install -y chromium)"
)


def test_bench_screenshot_renders_table_and_plots(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    gold, pred_a = planted_predictions(120, 0.8, seed=1)
    _, pred_b = planted_predictions(120, 0.6, seed=2, gold=gold)
    write_experiment(run_dir, "enc_sent_finetune", gold, pred_a)
    write_experiment(run_dir, "llm_sent_lora", gold, pred_b, kind="causal")
    write_failed(run_dir, "llm_sent_zero-shot", "boom")
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "report_screenshot.py"),
            str(run_dir),
            "--out",
            str(shot),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "renders: yes" in done.stdout
    assert shot.stat().st_size > 10_000
