"""`benchlab distill` end to end: items, samples (resumable), checked rows, mix, one file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.distill.config import DistillConfig
from benchlab.distill.generate import generate_samples, work_folder
from benchlab.distill.mix import mix_rows
from benchlab.distill.select import select_rows
from benchlab.errors import DataError
from benchlab.progress import ProgressReporter
from benchlab.record.atomic import write_jsonl_atomic
from benchlab.requests import Answerer
from benchlab.tasks.base import Task

__all__ = ["DistillResult", "run_distill"]


@dataclass(frozen=True)
class DistillResult:
    """What was written: the file, its rows, and how many items gave at least one row."""

    path: Path
    rows: list[dict[str, Any]]
    n_items: int
    n_items_kept: int
    n_distilled: int
    n_mixed: int


def _original_rows(config: DistillConfig, task: Task, examples: list) -> list[dict[str, Any]]:
    """Rows to mix in: a JSONL file, or the task's own training pairs (`data: task`)."""
    assert config.mix is not None
    if config.mix.data == "task":
        source = f"original:{config.task.name}"
        pairs = task.training_pairs(examples)
        return [{"prompt": p.prompt, "completion": p.target, "source": source} for p in pairs]
    from benchlab.data.reading import read_rows

    path = Path(config.mix.data)
    if not path.is_file():
        raise DataError(f"mix.data: file not found: {path}; give a JSONL path or 'task'")
    rows = read_rows(path)
    for i, row in enumerate(rows):
        if "messages" not in row and not {"prompt", "completion"} <= set(row):
            raise DataError(
                f"{path} row {i + 1}: a mix row needs 'prompt' and 'completion' (or "
                f"'messages'); got {sorted(row)}"
            )
    return [{**row, "source": row.get("source", f"original:{path.stem}")} for row in rows]


def run_distill(
    config: DistillConfig,
    progress: ProgressReporter,
    log: Callable[[str], None],
    *,
    fresh: bool = False,
    backend: Callable[[], Answerer] | None = None,
) -> DistillResult:
    """Generate (or resume), keep checked rows, mix, and write the SFT JSONL atomically.

    `backend` makes the answerer (default: `build_backend` on the config's model entry); it is
    called only when items are left to sample.
    """
    from benchlab.tasks.registry import build_task

    task = build_task(config.task.task_type, config.task.name, config.task.options)
    task.validate()
    examples = task.load_split(config.split)[: config.max_items]
    if not examples:
        raise DataError(f"task {config.task.name!r} has no {config.split} items to distill")
    if fresh:
        shutil.rmtree(work_folder(config), ignore_errors=True)

    def model_backend() -> Answerer:
        from benchlab.backends.registry import build_backend

        return build_backend(config.model)

    samples = generate_samples(config, task, backend or model_backend, examples, progress, log)
    distilled = select_rows(config, task, examples, samples)
    rows = distilled
    if config.mix is not None:
        original = _original_rows(config, task, examples)
        rows = mix_rows(distilled, original, share=config.mix.share, seed=config.mix.seed)
    output = Path(config.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl_atomic(output, rows)
    kept = len({row["item"] for row in distilled})
    log(
        f"{output}: {len(rows)} rows ({len(distilled)} distilled from {kept} of "
        f"{len(examples)} items, {len(rows) - len(distilled)} mixed in)"
    )
    return DistillResult(
        output, rows, len(examples), kept, len(distilled), len(rows) - len(distilled)
    )
