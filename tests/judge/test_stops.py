"""How a judge run ends: exit codes, a budget stop that samples every category, progress shown."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import yaml
from typer.testing import CliRunner

from benchlab.cli.judge import EXIT_BAD_INPUT, EXIT_BUDGET, EXIT_ENDPOINT, judge_command
from benchlab.cli.main import app
from benchlab.judge.config import load_judge_config
from benchlab.judge.pipeline import run_judge_config
from tests.judge.fake_openai import KEY_ENV
from tests.judge.study import N_PAIRS, write_study

SIZES = {"coding": 12, "extraction": 9, "humanities": 6, "stem": 15}


def _split_study(root: Path, base_url: str, **overrides) -> Path:
    """One prompts file with a `category` field (four categories of unequal size)."""
    rows, mine, ref = [], [], []
    for category, size in SIZES.items():
        for i in range(size):
            pid = f"{category}-{i}"
            rows.append({"id": pid, "prompt": f"{category} question {i}?", "category": category})
            mine.append({"id": pid, "output": f"GOOD answer {pid}"})
            ref.append({"id": pid, "output": f"BAD answer {pid}"})
    for name, data in (("prompts", rows), ("mine", mine), ("ref", ref)):
        text = "".join(json.dumps(r) + "\n" for r in data)
        (root / f"{name}.jsonl").write_text(text, encoding="utf-8")
    config = yaml.safe_load(write_study(root, base_url, KEY_ENV).read_text())
    config.update(
        categories=[{"prompts": {"file": "prompts.jsonl", "category_field": "category"}}],
        candidates=[{"name": "mine", "answers": {"file": "mine.jsonl"}}],
        reference={"name": "ref", "answers": {"file": "ref.jsonl"}},
        **overrides,
    )
    path = root / "judge.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_budget_stop_leaves_every_category_sampled(chat_server, tmp_path) -> None:
    # The cap pays for about a third of the 42 pairs; judged category by category, only
    # `coding` and part of `extraction` would have been judged.
    prices = {"max_usd": 9.0, "price_input_per_million": 1000.0, "price_output_per_million": 0.0}
    config = _split_study(
        tmp_path, chat_server.base_url, budget=prices, concurrency=1, repeat_fraction=0
    )
    assert judge_command(config, progress=False) == EXIT_BUDGET
    results = json.loads((tmp_path / "out" / "judge_results.json").read_text())
    judged = {name: c["n"] for name, c in results["candidates"]["mine"]["categories"].items()}
    assert set(judged) == set(SIZES) and 8 <= sum(judged.values()) < sum(SIZES.values()) / 2
    assert min(judged.values()) >= 2 and max(judged.values()) - min(judged.values()) <= 1
    lines = (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()
    assert Counter(json.loads(line)["category"] for line in lines) == Counter(judged)


def test_exit_codes(chat_server, tmp_path) -> None:
    runner = CliRunner()
    help_text = " ".join(runner.invoke(app, ["judge", "--help"]).output.split())
    assert "0 all pairs judged" in help_text and "3 stopped at the budget cap" in help_text
    assert "2 bad input" in help_text and "4 stopped because the endpoint" in help_text

    config = write_study(tmp_path, chat_server.base_url, KEY_ENV, retries=1)
    chat_server.faults.extend(["500"] * 1000)  # the endpoint never recovers
    result = runner.invoke(app, ["judge", str(config)])
    assert result.exit_code == EXIT_ENDPOINT == 4, result.output
    assert "stopped early" in result.output and "HTTP 500" in result.output

    chat_server.faults.clear()
    assert runner.invoke(app, ["judge", str(config)]).exit_code == 0

    data = yaml.safe_load(config.read_text())
    data["categories"][0]["prompts"]["category_field"] = "topic"  # no row has it
    config.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["judge", str(config)])
    assert result.exit_code == EXIT_BAD_INPUT == 2
    assert "missing field 'topic'" in result.output and "Traceback" not in result.output


class RecordingProgress:
    """A ProgressReporter that keeps what a bar would show."""

    def __init__(self) -> None:
        self.bars: list[tuple[str, int | None]] = []
        self.steps: list[tuple[int, str | None]] = []

    @contextmanager
    def track(self, description: str, total: int | None):
        self.bars.append((description, total))
        yield lambda n=1, note=None: self.steps.append((n, note))


def test_progress_shows_calls_and_running_cost(chat_server, tmp_path) -> None:
    prices = {"max_usd": 50.0, "price_input_per_million": 2.5, "price_output_per_million": 10.0}
    config = load_judge_config(
        write_study(tmp_path, chat_server.base_url, KEY_ENV, budget=prices, repeat_fraction=0)
    )
    progress = RecordingProgress()
    outcome, _ = run_judge_config(config, progress=progress)
    assert progress.bars == [("judging", 2 * N_PAIRS)]
    assert sum(n for n, _ in progress.steps) == 2 * N_PAIRS
    last_note = progress.steps[-1][1]
    assert last_note == (
        f"${outcome.cost['spent_usd']:.4f} spent "
        f"(study ${outcome.cost['study_spent_usd']:.4f} of $50.00)"
    )


def test_rich_bar_shows_the_note_after_its_description() -> None:
    import io

    from rich.console import Console
    from rich.progress import Progress

    from benchlab.progress import RichProgress

    bars = Progress(console=Console(file=io.StringIO()))
    with bars, RichProgress(bars).track("judging", 10) as advance:
        advance(3, note="$0.0123 spent")
        (task,) = bars.tasks
        assert (task.completed, task.total) == (3, 10)
        assert task.description == "judging  $0.0123 spent"
        advance(2)
        assert bars.tasks[0].completed == 5
