"""Scored samples for every item, saved as they come so an interrupted distill continues.

The work folder next to the output (`<output>.work/`) holds `settings.json` (what the samples
depend on: model, task, split, sampling) and `items.jsonl` (one line per finished item, rewritten
atomically after each chunk). A rerun with the same settings skips the finished items; with
other settings it stops and says so rather than mixing samples of two configurations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchlab.distill.config import DistillConfig
from benchlab.errors import ConfigError
from benchlab.progress import ProgressReporter
from benchlab.record.atomic import write_json_atomic, write_jsonl_atomic
from benchlab.requests import Answerer
from benchlab.tasks.base import Example, Sample, Task
from benchlab.tasks.sampling import SamplingSettings, item_seed, sample_examples

__all__ = ["generate_samples", "generation_settings", "sampling_settings", "work_folder"]


def work_folder(config: DistillConfig) -> Path:
    """Where the resumable per-item samples live: `<output>.work/`."""
    output = Path(config.output)
    return output.with_name(output.name + ".work")


def sampling_settings(config: DistillConfig) -> SamplingSettings:
    """Greedy (one sample at temperature 0) for keep: greedy, else M seeded samples."""
    if config.keep == "greedy":
        return SamplingSettings(1, 0.0, 1.0, config.seed)
    return SamplingSettings(config.samples, config.temperature, config.top_p, config.seed)


def generation_settings(config: DistillConfig) -> dict[str, Any]:
    """What the saved samples depend on (selection and mixing options are not part of it)."""
    sampling = sampling_settings(config)
    return {
        "model": config.model.model_dump(mode="json", exclude={"cache_path", "batch_size"}),
        "task": config.task.model_dump(mode="json"),
        "split": config.split,
        "samples": sampling.samples,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "seed": sampling.seed,
    }


def _load_done(folder: Path, settings: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Finished items from an earlier attempt with the same settings."""
    saved, items = folder / "settings.json", folder / "items.jsonl"
    if not saved.exists():
        return {}
    if json.loads(saved.read_text(encoding="utf-8")) != settings:
        raise ConfigError(
            f"{folder}: samples there were drawn with other settings (model, task, split or "
            "sampling changed); delete that folder or pass --fresh to start again"
        )
    if not items.exists():
        return {}
    lines = items.read_text(encoding="utf-8").splitlines()
    return {row["item"]: row["samples"] for row in map(json.loads, filter(None, lines))}


def generate_samples(
    config: DistillConfig,
    task: Task,
    backend: Callable[[], Answerer],
    examples: Sequence[Example],
    progress: ProgressReporter,
    log: Callable[[str], None],
) -> dict[str, list[Sample]]:
    """Item id -> its scored samples, generating only the items not saved before.

    `backend` is called only when something is left to generate, so a finished distill
    reruns (e.g. with another mix) without loading the model.
    """
    folder = work_folder(config)
    settings = generation_settings(config)
    done = _load_done(folder, settings)
    todo = [e for e in examples if e.id not in done]
    if done:
        log(f"resuming: {len(examples) - len(todo)} of {len(examples)} items already sampled")
    folder.mkdir(parents=True, exist_ok=True)
    write_json_atomic(folder / "settings.json", settings)
    sampling = sampling_settings(config)
    if todo:
        answerer = backend()
        with progress.track(f"distill  {config.task.name}", len(todo)) as advance:
            for start in range(0, len(todo), config.chunk_size):
                chunk = todo[start : start + config.chunk_size]
                scored = sample_examples(task, answerer, chunk, sampling)
                for example, own in zip(chunk, scored, strict=True):
                    done[example.id] = [s.to_json() for s in own]
                lines = (
                    {"item": key, "seed": item_seed(sampling.seed, key), "samples": value}
                    for key, value in done.items()
                )
                write_jsonl_atomic(folder / "items.jsonl", lines)
                advance(len(chunk))
    return {
        e.id: [Sample(s["text"], s["answer"], s["correct"]) for s in done[e.id]] for e in examples
    }
