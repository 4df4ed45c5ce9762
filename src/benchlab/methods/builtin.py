"""Imports every built-in method module so that each registers its mode type."""

from benchlab.methods import (  # noqa: F401
    dpo,
    finetune,
    kto,
    lora,
    prompting,
    qlora,
    quantize,
    scratchpad,
    sft,
)
