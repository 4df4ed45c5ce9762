"""GPTQ weights calibrated on the task's train split: CUDA only, an optional extra.

GPTQ runs through transformers' `GPTQConfig` (gptqmodel does the work) with the calibration
texts in the config, so it quantizes at load time like every other scheme; the saved folder
holds packed 4/3/2-bit weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.backends.quantization.registry import QuantChoice, QuantScheme, register_scheme
from benchlab.errors import ConfigError

__all__: list[str] = []


def _rows(choice: QuantChoice, calibration: Sequence[str] | None) -> list[str]:
    if not calibration:
        raise ConfigError(
            f"quantization {choice.label!r} needs calibration rows: give the task a train split "
            "or the mode a `calibration_dataset`"
        )
    return list(calibration)


def _gptq(choice: QuantChoice, _dtype: Any, calibration: Sequence[str] | None, tok: Any) -> Any:
    from transformers import GPTQConfig

    return GPTQConfig(
        bits=choice.bits,
        group_size=choice.group_size,
        dataset=_rows(choice, calibration),
        tokenizer=tok,
    )


register_scheme(
    QuantScheme(
        "gptq",
        "gptq",
        "GPTQ 4/3/2-bit weights, calibrated on the task's train split (gptqmodel, CUDA)",
        (4, 3, 2),
        _gptq,
        packages=("gptqmodel", "optimum"),
        install="pip install 'benchlab[gptq]'",
        gpu_only=True,
        calibrated=True,
    )
)
