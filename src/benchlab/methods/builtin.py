"""Imports every built-in method module so that each registers its mode type."""

from benchlab.methods import (  # noqa: F401
    finetune,
    lora,
    prompting,
    quantize,
    sft,
)
