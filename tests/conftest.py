"""Session fixtures: an isolated benchlab cache and tiny models built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def benchlab_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point the benchlab cache at a session temp dir so tests never touch the user's cache."""
    cache = tmp_path_factory.mktemp("benchlab-cache")
    previous = os.environ.get("BENCHLAB_CACHE")
    os.environ["BENCHLAB_CACHE"] = str(cache)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    yield cache
    if previous is None:
        os.environ.pop("BENCHLAB_CACHE", None)
    else:
        os.environ["BENCHLAB_CACHE"] = previous


@pytest.fixture(scope="session")
def tiny_causal_dir(benchlab_cache: Path) -> Path:
    """The built-in tiny Llama (tokenizer trained locally), saved with save_pretrained."""
    from benchlab.quickstart.resources import resolve_builtin_model

    return resolve_builtin_model("builtin:tiny-causal")


@pytest.fixture(scope="session")
def tiny_encoder_dir(benchlab_cache: Path) -> Path:
    """The built-in tiny BERT, saved with save_pretrained."""
    from benchlab.quickstart.resources import resolve_builtin_model

    return resolve_builtin_model("builtin:tiny-encoder")


@pytest.fixture(scope="session")
def tiny_vlm_dir(benchlab_cache: Path) -> Path:
    """The built-in tiny LLaVA (CLIP tower + Llama, local tokenizer), saved with save_pretrained."""
    from benchlab.quickstart.resources import resolve_builtin_model

    return resolve_builtin_model("builtin:tiny-vlm")
