"""What produced a number: packages, git revision, hardware, data fingerprint."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import socket
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from benchlab.tasks.base import Example

__all__ = ["data_fingerprint", "git_revision", "hardware", "package_versions"]

_PACKAGES = (
    "benchlab",
    "torch",
    "transformers",
    "tokenizers",
    "datasets",
    "peft",
    "trl",
    "accelerate",
    "evaluate",
    "scikit-learn",
    "numpy",
    "scipy",
    "pydantic",
    "bitsandbytes",
)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape results (None where absent)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_revision(path: Path | None = None) -> dict[str, Any]:
    """Commit and dirty flag of the git checkout containing `path` (benchlab's source)."""
    path = path or Path(__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(path), *args], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def hardware() -> dict[str, Any]:
    """Host, CPU, memory and accelerator of the machine (the worker's, under Ray)."""
    import torch

    info: dict[str, Any] = {
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
    }
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        info["memory_gb"] = round(pages / 2**30, 1)
    except (ValueError, OSError):
        info["memory_gb"] = None
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_count"] = torch.cuda.device_count()
    return info


def data_fingerprint(examples: Sequence[Example]) -> str:
    """sha256 over ids, inputs and gold answers, in order."""
    digest = hashlib.sha256()
    for example in examples:
        record = [example.id, dict(example.data), example.gold, example.group]
        digest.update(json.dumps(record, sort_keys=True, default=str).encode())
        digest.update(b"\n")
    return digest.hexdigest()
