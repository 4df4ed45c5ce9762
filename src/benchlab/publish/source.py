"""What one experiment of a run gives to publish: its record, trained artifact and tokenizer.

The artifact is where results.json's `training.artifact` points, relative to the experiment's
folder: `model` or `adapter` inside it, or a folder under the run's `shared/` when one SFT model
is evaluated on several tasks. Every complete experiment whose artifact is that same folder
evaluated the published weights, so all of them feed the card's model-index.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlab.publish.errors import PublishError
from benchlab.report.records import ExperimentRecord, RunRecords, load_run

__all__ = ["TOKENIZER_FILES", "PublishSource", "base_model_id", "locate"]

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
    "added_tokens.json",
    "preprocessor_config.json",
    "processor_config.json",
    "chat_template.json",
    "chat_template.jinja",
)


@dataclass(frozen=True)
class PublishSource:
    """The experiment to publish, the weights it produced and the experiments that used them."""

    run: RunRecords
    record: ExperimentRecord
    artifact: Path
    evaluated: tuple[ExperimentRecord, ...]
    tokenizer_dir: Path | None

    @property
    def is_adapter(self) -> bool:
        """Whether the weights are a PEFT adapter (adapter_config.json present)."""
        return (self.artifact / "adapter_config.json").is_file()

    @property
    def spec(self) -> dict[str, Any]:
        """The experiment spec from provenance (model, task, mode, profile)."""
        provenance = (self.record.results or {}).get("provenance") or {}
        return dict(provenance.get("spec") or self.record.spec or {})

    @property
    def model_path(self) -> str:
        """The base model as the config named it (hub id, local folder or builtin:)."""
        return str((self.spec.get("model") or {}).get("path") or "")


def base_model_id(path: str) -> str | None:
    """The hub id of a base model path; None for local folders and builtin models."""
    if not path or path.startswith(("builtin:", "/", ".", "~")) or Path(path).exists():
        return None
    parts = path.split("/")
    return path if len(parts) == 2 and all(parts) else None


def _artifact_of(record: ExperimentRecord) -> Path | None:
    relative = record.training.get("artifact")
    if not relative:
        return None
    return Path(os.path.normpath(record.files.root / str(relative)))


def _tokenizer_dir(artifact: Path, model_path: str) -> Path | None:
    """The artifact itself when it holds tokenizer files, else a local base model folder."""
    candidates = [artifact]
    if model_path.startswith("builtin:"):
        from benchlab.quickstart.resources import cache_dir

        candidates.append(cache_dir() / "models" / model_path.removeprefix("builtin:"))
    elif model_path and Path(model_path).is_dir():
        candidates.append(Path(model_path))
    for folder in candidates:
        if any((folder / name).is_file() for name in TOKENIZER_FILES):
            return folder
    return None


def locate(run_dir: Path, experiment_id: str) -> PublishSource:
    """The experiment's record and artifact; PublishError when it cannot be published."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise PublishError(f"run directory not found: {run_dir}")
    run = load_run(run_dir)
    by_id = {r.experiment_id: r for r in run.experiments}
    record = by_id.get(experiment_id)
    if record is None:
        known = ", ".join(sorted(by_id)) or "none"
        raise PublishError(
            f"--experiment {experiment_id!r} is not in {run_dir} (experiments: {known})"
        )
    if not record.complete:
        raise PublishError(
            f"--experiment {experiment_id!r} is {record.state}, not complete: only measured "
            "experiments can be published"
        )
    artifact = _artifact_of(record)
    if artifact is None:
        raise PublishError(
            f"--experiment {experiment_id!r} (method {record.method or '?'}) trained nothing: "
            "results.json has no training.artifact; publish a finetune / lora / sft experiment"
        )
    root = run_dir.resolve()
    if not artifact.resolve().is_relative_to(root):
        raise PublishError(
            f"{record.files.results}: training.artifact {record.training.get('artifact')!r} "
            f"points outside the run directory {run_dir}"
        )
    if not artifact.is_dir() or not any(artifact.iterdir()):
        raise PublishError(
            f"{record.files.results}: training.artifact folder {artifact} is missing or empty "
            "(was the run directory copied without its weights?)"
        )
    others = [r for r in run.complete if r is not record and _artifact_of(r) == artifact]
    evaluated = (record, *others)
    spec = ((record.results or {}).get("provenance") or {}).get("spec") or record.spec or {}
    model_path = str((spec.get("model") or {}).get("path") or "")
    return PublishSource(run, record, artifact, evaluated, _tokenizer_dir(artifact, model_path))
