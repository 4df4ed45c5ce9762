"""Trained artifacts: kept in the run's shared folder when other experiments build on them.

A model is trained once per run when several experiments use it: a base mode (`base_mode:`)
or SFT on a data file that does not depend on the task. Its folder is named by a fingerprint
of everything training depends on, and `training.json` is written last, so its presence means
the artifact is complete and a later experiment loads it instead of training again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchlab.backends.weights import LoadedModel, adapter_digest
from benchlab.config.plan import ExperimentSpec
from benchlab.methods.base import MethodContext, TrainingRecord
from benchlab.record.atomic import write_json_atomic

__all__ = ["artifact_digest", "experiment_key", "shared_folder", "train_once"]

_RECORD = "training.json"

#: The content hash of a saved adapter or model folder (its safetensors files).
artifact_digest = adapter_digest


def experiment_key(spec: ExperimentSpec, *, with_task: bool = True) -> list[Any]:
    """What a trained artifact depends on: model, mode, task, seed, profile, and its base's."""
    # plan_window only batches evaluation: the trained weights do not depend on it
    key: list[Any] = [spec.model.model_dump(exclude={"plan_window"}), spec.mode.model_dump()]
    if with_task:
        key.append(spec.task.model_dump())
    key += [spec.seed, spec.profile.model_dump()]
    if spec.base is not None:
        key.append(experiment_key(spec.base))
    return key


def shared_folder(context: MethodContext, prefix: str, key: list[Any] | None = None) -> Path | None:
    """The run-wide folder for this experiment's artifact, or None when it is not shared.

    Shared when the plan marks the experiment as a base of another, or when `key` is given
    (a method whose training data does not depend on the task).
    """
    if context.shared_dir is None or (key is None and not context.spec.serves_as_base):
        return None
    spec = context.spec
    text = json.dumps(key if key is not None else experiment_key(spec), sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return context.shared_dir / f"{prefix}-{spec.model.name}-{spec.mode.name}-{digest}"


def train_once(
    context: MethodContext,
    folder: Path | None,
    artifact: str,
    train: Callable[[Path], tuple[LoadedModel, TrainingRecord]],
    reload: Callable[[Path], LoadedModel],
    *,
    label: str,
) -> tuple[LoadedModel, TrainingRecord, Path]:
    """(model, record, artifact path): reused from a complete shared folder, else trained.

    `train(target)` saves its artifact as `target / artifact`; without a shared folder it
    trains into the experiment's own folder. `label` names the model in the log ("SFT").
    """
    with _training_lock(folder):
        return _train_or_reuse(context, folder, artifact, train, reload, label=label)


@contextlib.contextmanager
def _training_lock(folder: Path | None) -> Iterator[None]:
    """One trainer per shared folder: a second process (a Ray worker) waits, then reuses it."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _train_or_reuse(
    context: MethodContext,
    folder: Path | None,
    artifact: str,
    train: Callable[[Path], tuple[LoadedModel, TrainingRecord]],
    reload: Callable[[Path], LoadedModel],
    *,
    label: str,
) -> tuple[LoadedModel, TrainingRecord, Path]:
    if folder is not None and (folder / _RECORD).is_file():
        context.log(f"{context.spec.id}: evaluating the {label} model already trained in {folder}")
        loaded = reload(folder / artifact)
        record = TrainingRecord(**json.loads((folder / _RECORD).read_text(encoding="utf-8")))
    else:
        loaded, record = train(folder if folder is not None else context.out_dir)
        if folder is not None:  # written last: its presence means the artifact is complete
            write_json_atomic(folder / _RECORD, dataclasses.asdict(record))
    if folder is None:
        return loaded, record, context.out_dir / artifact
    record = dataclasses.replace(
        record, artifact=os.path.relpath(folder / artifact, context.out_dir), shared=True
    )
    return loaded, record, folder / artifact
