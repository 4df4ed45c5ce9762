"""Imports every built-in backend module so that each registers its backend."""

from benchlab.backends import (  # noqa: F401
    hf_causal,
    hf_encoder,
    openai_compatible,
    vllm,
)
