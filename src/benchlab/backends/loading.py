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


def model_revision(spec: ModelSpec, model: Any) -> str:
    """The exact weights used: the hub commit hash, or a hash of a local directory's files."""
    commit = getattr(getattr(model, "config", None), "_commit_hash", None)
    if commit:
        return str(commit)
    location = Path(model_location(spec))
    if location.is_dir():
        digest = hashlib.sha256()
        for file in sorted(location.iterdir()):
            if file.is_file():
                digest.update(json.dumps([file.name, file.stat().st_size]).encode())
                if file.suffix == ".json":
                    digest.update(file.read_bytes())
        return f"local-sha256:{digest.hexdigest()[:16]}"
    return spec.revision or "unknown"
