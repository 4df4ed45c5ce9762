"""The tiny causal model loaded once for the backend tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def tiny_causal(tiny_causal_dir: Path) -> tuple[Any, Any]:
    """(model, tokenizer) of the built-in tiny Llama."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_causal_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_causal_dir).eval()
    return model, tokenizer
