"""Fixtures for the quick resources: the tiny VLM built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_vlm_dir(benchlab_cache: Path) -> Path:
    """The built-in tiny LLaVA (CLIP tower + Llama, local tokenizer), saved with save_pretrained."""
    from benchlab.quickstart.resources import resolve_builtin_model

    return resolve_builtin_model("builtin:tiny-vlm")
