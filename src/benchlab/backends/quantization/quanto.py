"""optimum-quanto schemes (optional extra `quanto`; the library is in maintenance mode)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.backends.quantization.registry import QuantChoice, QuantScheme, register_scheme

__all__: list[str] = []


def _build(choice: QuantChoice, _dtype: Any, _rows: Sequence[str] | None, _tok: Any) -> Any:
    from transformers import QuantoConfig

    return QuantoConfig(weights=f"int{choice.bits}")


for _name, _bits in (("quanto-int8", 8), ("quanto-int4", 4)):
    register_scheme(
        QuantScheme(
            _name,
            "quanto",
            f"int{_bits} weights through optimum-quanto",
            (_bits,),
            _build,
            packages=("optimum.quanto",),
            install="pip install 'benchlab[quanto]'",
        )
    )
