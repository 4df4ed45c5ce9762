"""The one NaN policy: undefined or unbounded numbers are written as null, never as bare NaN."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["finite_or_none", "json_line", "json_text"]


def finite_or_none(value: Any) -> Any:
    """NaN and infinities become None, recursively through dicts, lists and tuples.

    numpy floats count too (np.float64 is a float; a non-finite np.float32 becomes None, a
    finite one is left as it is so existing outputs keep their bytes).
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(item) for item in value]
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and value.dtype.kind == "f":
        return value if math.isfinite(float(value)) else None
    return value


def json_text(data: Any, *, indent: int | None = 2) -> str:
    """Indented JSON with NaN/inf as null; json refuses anything non-finite left over."""
    clean = finite_or_none(data)
    return json.dumps(clean, indent=indent, ensure_ascii=False, allow_nan=False, default=str)


def json_line(data: Any) -> str:
    """One compact JSON object (no trailing newline), under the same NaN policy."""
    return json.dumps(finite_or_none(data), ensure_ascii=False, allow_nan=False, default=str)
