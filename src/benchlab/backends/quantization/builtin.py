"""Imports every built-in scheme family so that each registers its schemes."""

from benchlab.backends.quantization import (  # noqa: F401
    bitsandbytes,
    gptq,
    quanto,
    torchao,
)
