"""Offline checks of an assembled folder: the card parses, and its numbers are the measured ones.

huggingface_hub's own parsers do the reading (ModelCard.load with metadata errors raised,
model_index_to_eval_results), so a card that passes here is one the Hub client understands;
every model-index value must equal results.json's value exactly, not approximately.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

from benchlab.publish.errors import PublishError
from benchlab.publish.source import PublishSource

__all__ = ["REQUIRED_METADATA", "validate_folder"]

REQUIRED_METADATA = ("license", "library_name", "pipeline_tag", "tags", "model-index")


def _check_eval_results(folder: Path) -> None:
    for file in sorted((folder / ".eval_results").glob("*.yaml")):
        entries = yaml.safe_load(file.read_text(encoding="utf-8"))
        for entry in entries if isinstance(entries, list) else [None]:
            dataset = entry.get("dataset") if isinstance(entry, dict) else None
            value = entry.get("value") if isinstance(entry, dict) else None
            if not isinstance(dataset, dict) or not dataset.get("id") or not dataset.get("task_id"):
                raise PublishError(f"{file}: each entry needs dataset.id and dataset.task_id")
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise PublishError(f"{file}: value must be a finite number, got {value!r}")


def validate_folder(folder: Path, source: PublishSource) -> int:
    """Raise PublishError on any problem; return how many model-index values were checked."""
    from huggingface_hub import ModelCard
    from huggingface_hub.repocard_data import model_index_to_eval_results

    readme = Path(folder) / "README.md"
    try:
        card = ModelCard.load(readme, ignore_metadata_errors=False)
    except (ValueError, OSError, yaml.YAMLError) as exc:
        raise PublishError(f"{readme}: the card does not parse: {exc}") from exc
    metadata = card.data.to_dict()
    missing = [key for key in REQUIRED_METADATA if not metadata.get(key)]
    if missing:
        raise PublishError(f"{readme}: metadata lacks {', '.join(missing)}")
    _, results = model_index_to_eval_results(metadata["model-index"])
    by_key = {(r.dataset_name, (r.metric_name or "").split(" (")[0]): r for r in results}
    checked = 0
    for record in source.evaluated:
        for name, metric in record.headline_metrics.items():
            value = metric.get("value")
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            found = by_key.get((record.task, name))
            if found is None:
                raise PublishError(f"{readme}: model-index lacks {record.task} {name}")
            if type(found.metric_value) is not type(value) or found.metric_value != value:
                raise PublishError(
                    f"{readme}: model-index {record.task} {name} = {found.metric_value!r}, "
                    f"but {record.files.results} says {value!r}"
                )
            checked += 1
    _check_eval_results(Path(folder))
    return checked
