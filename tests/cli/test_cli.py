"""The CLI starts without torch, lists its catalogue and reports a run's status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.record.marker import RunningMarker

runner = CliRunner()


def test_help_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from benchlab.cli.main import app\n"
        "for args in (['--help'], ['run', '--help'], ['list']):\n"
        "    result = CliRunner().invoke(app, args)\n"
        "    assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('torch', 'transformers', 'datasets') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_list_shows_tasks_modes_and_backends() -> None:
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in (
        "sst2",
        "rte",
        "mnli_matched",
        "classification",
        "zero_shot",
        "few_shot",
        "finetune",
        "lora",
        "hf_causal",
    ):
        assert name in result.output


def _write_run(root: Path) -> None:
    experiments = ["m_t_done", "m_t_running", "m_t_failed", "m_t_pending"]
    (root / "run.json").write_text(
        json.dumps({"experiments": [{"id": i, "spec_hash": "h"} for i in experiments]})
    )
    done = root / "experiments" / "m_t_done"
    done.mkdir(parents=True)
    (done / "results.json").write_text(
        json.dumps(
            {
                "status": "complete",
                "spec_hash": "h",
                "metrics": {},
                "started_at": "2026-01-01T00:00:00+00:00",
                "finished_at": "2026-01-01T00:01:40+00:00",
            }
        )
    )
    running = root / "experiments" / "m_t_running"
    running.mkdir()
    marker = RunningMarker(running / "running.json", "2026-01-01T00:01:40+00:00")
    marker.beat()  # names this live process, as the runner does
    failed = root / "experiments" / "m_t_failed"
    failed.mkdir()
    (failed / "failure.json").write_text(json.dumps({"error": "ValueError: boom"}))
    (root / "benchmark_20260101_000000.log").write_text("line one\nlast line here\n")


def test_status_counts_states_and_estimates_time(tmp_path: Path) -> None:
    _write_run(tmp_path)
    result = runner.invoke(app, ["status", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1 complete, 1 failed, 1 pending, 1 running" in result.output
    assert "ETA 3.3 min" in result.output  # two left at 100 s each
    assert "last line here" in result.output


def test_status_of_missing_directory_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "run directory not found" in result.output
