"""What a record depends on, computed before running: spec hash, data files, model.

Resume compares these with the ones a record was made from (benchlab.record.state). All of
them are cheap and load no model: the data files are hashed as bytes (every local file the
task names, train and eval alike), a local model folder is fingerprinted file by file, and a
hub model is its id and revision.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from benchlab.config.plan import ExperimentSpec
from benchlab.config.schema import ModelSpec

__all__ = [
    "current_inputs",
    "data_files",
    "input_fingerprints",
    "model_fingerprint",
    "spec_hash",
    "spec_json",
]

_file_hashes: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256

#: Model fields added after records were written, left out of the spec at their default so
#: those records' spec hashes still hold (a set value changes results, and the hash).
_LATER_MODEL_FIELDS = {"plan_window": None}


def _model_json(model: ModelSpec) -> dict[str, Any]:
    dumped = model.model_dump(mode="json")
    for name, default in _LATER_MODEL_FIELDS.items():
        if dumped.get(name) == default:
            del dumped[name]
    return dumped


def spec_json(spec: ExperimentSpec) -> dict[str, Any]:
    """The resolved experiment spec as JSON (what results depend on).

    An experiment built on a base mode depends on that base's spec too (its settings decide
    the weights this one starts from), so the base's spec is nested in; others are unchanged.
    """
    resolved = {
        "id": spec.id,
        "model": _model_json(spec.model),
        "task": spec.task.model_dump(mode="json"),
        "mode": spec.mode.model_dump(mode="json"),
        "seed": spec.seed,
        "profile": {"name": spec.profile_name, **spec.profile.model_dump(mode="json")},
    }
    if spec.base is not None:
        resolved["base"] = spec_json(spec.base)
    return resolved


def spec_hash(spec: ExperimentSpec) -> str:
    """Hash of the resolved spec: a changed config makes a completed experiment stale."""
    text = json.dumps(spec_json(spec), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def data_files(task_options: Mapping[str, Any]) -> list[Path]:
    """Every local file a task's options name (the loader has made the paths absolute)."""
    found: dict[Path, None] = {}
    for text in _strings(dict(task_options)):
        if "\n" in text or len(text) > 4096:
            continue
        path = Path(text)
        try:
            if path.is_absolute() and path.is_file():
                found[path] = None
        except OSError:
            continue
    return list(found)


def _file_sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _file_hashes:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(2**20), b""):
                digest.update(block)
        _file_hashes[key] = digest.hexdigest()
    return _file_hashes[key]


def model_fingerprint(model: ModelSpec) -> str:
    """A local (or built-in) model folder's content fingerprint; a hub model's id@revision."""
    from benchlab.backends.loading import model_location, model_revision

    try:
        if Path(model_location(model)).is_dir():
            return model_revision(model)
    except Exception as error:  # a model that cannot be found fails in its own run
        return f"unavailable: {type(error).__name__}"
    return f"hub:{model.path}@{model.revision or 'default'}"


def _inputs(model: ModelSpec, task_options: Mapping[str, Any]) -> dict[str, Any]:
    data = {str(path): _file_sha256(path) for path in data_files(task_options)}
    return {"data": data, "model": model_fingerprint(model)}


def input_fingerprints(spec: ExperimentSpec) -> dict[str, Any]:
    """{"data": {file: sha256}, "model": fingerprint}, as stored in the record and run.json."""
    return _inputs(spec.model, spec.task.options)


def current_inputs(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """The input fingerprints of a run.json entry as the files on disk are now.

    Lets `benchlab status` show an edited data file or model folder as stale before the next
    run. None when the entry cannot be read back (e.g. written by another benchlab version).
    """
    try:
        model = ModelSpec.model_validate(entry["model"])
        options = {k: v for k, v in entry["task"].items() if k not in ("name", "type")}
        return _inputs(model, options)
    except (KeyError, TypeError, ValueError, AttributeError, OSError):
        return None
