"""Loading models and tokenizers with `from_pretrained`, from hub ids or local paths."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from benchlab.config.schema import ModelSpec
from benchlab.errors import BackendUnavailableError

__all__ = ["load_tokenizer", "model_location", "model_revision", "torch_dtype"]


def model_location(spec: ModelSpec) -> str:
    """Where `from_pretrained` should look: a hub id, a local directory or a built-in model."""
    if spec.path.startswith("builtin:"):
        from benchlab.quickstart.resources import resolve_builtin_model

        return str(resolve_builtin_model(spec.path))
    return spec.path


def torch_dtype(name: str) -> Any:
    """The torch dtype for a config dtype name ("auto" passes through)."""
    import torch

    return "auto" if name == "auto" else getattr(torch, name)


def load_tokenizer(spec: ModelSpec, location: str | None = None) -> Any:
    """The model's tokenizer, with a pad token guaranteed."""
    from transformers import AutoTokenizer

    location = location or model_location(spec)
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            location, revision=spec.revision, trust_remote_code=spec.trust_remote_code
        )
    except OSError as exc:
        raise BackendUnavailableError(
            f"model {spec.name!r}: cannot load tokenizer from {location!r}: {exc}"
        ) from exc
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return tokenizer


_FULL_HASH_LIMIT = 16 * 2**20
_SAMPLE = 2**20


def _file_fingerprint(file: Path) -> list[object]:
    """What identifies one file's contents without reading gigabytes of weights.

    Small files (configs, tokenizers, tiny models) are hashed whole, so a copy keeps its
    fingerprint. A large file is identified by its size, modification time and first and last
    MiB: re-saving weights, even of the same shape, rewrites the file and so its mtime.
    """
    stat = file.stat()
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        if stat.st_size <= _FULL_HASH_LIMIT:
            digest.update(handle.read())
            return [file.name, stat.st_size, digest.hexdigest()]
        digest.update(handle.read(_SAMPLE))
        handle.seek(-_SAMPLE, 2)
        digest.update(handle.read(_SAMPLE))
    return [file.name, stat.st_size, stat.st_mtime_ns, digest.hexdigest()]


def _hub_commit(repo_id: str, revision: str | None) -> str | None:
    """The commit of the cached hub snapshot `from_pretrained` loaded (None if not cached)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        config = try_to_load_from_cache(repo_id, "config.json", revision=revision)
    except ValueError:  # not a hub id, e.g. a path that does not exist
        return None
    return Path(config).parent.name if isinstance(config, str) else None


def model_revision(spec: ModelSpec) -> str:
    """The exact weights used: the hub commit, or a fingerprint of a local directory.

    Cached answers are keyed by this, so a moved hub branch or re-saved local weights must give
    a new revision (transformers 5 no longer records the commit on the loaded model).
    """
    location = model_location(spec)
    if Path(location).is_dir():
        files = [_file_fingerprint(f) for f in sorted(Path(location).iterdir()) if f.is_file()]
        digest = hashlib.sha256(json.dumps(files).encode())
        return f"local-sha256:{digest.hexdigest()[:16]}"
    return _hub_commit(location, spec.revision) or spec.revision or "unknown"
