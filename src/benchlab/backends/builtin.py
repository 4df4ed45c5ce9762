"""Imports every built-in backend module so that each registers its backend."""

from benchlab.backends import (  # noqa: F401
    hf_causal,
    hf_embedding,
    hf_encoder,
    hf_vlm,
    openai_compatible,
    vllm,
)
