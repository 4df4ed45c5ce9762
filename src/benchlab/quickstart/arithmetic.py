"""A generated arithmetic task in GSM8K's format, small enough for the tiny model to learn.

Questions are single-digit sums ("7+5="), solutions the equation and the final answer
("7+5=12 #### 12"), so the GSM8K task extracts and checks them unchanged and the tiny causal
model learns part of them with SFT in seconds: the self-consistency loop's offline demo.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from benchlab.record.atomic import write_text_atomic

__all__ = ["ARITHMETIC_SIZES", "write_arithmetic"]

ARITHMETIC_SIZES = {"train": 400, "eval": 60}


def write_arithmetic(split: str, path: Path, *, size: int, seed: int) -> Path:
    """Write `size` sums a+b (0 <= a, b <= 9) with GSM8K-style solutions as JSONL."""
    rng = random.Random(f"arithmetic-{split}-{seed}")
    rows = []
    for i in range(size):
        a, b = rng.randint(0, 9), rng.randint(0, 9)
        rows.append(
            {
                "id": f"arithmetic-{split}-{i}",
                "question": f"{a}+{b}=",
                "answer": f"{a}+{b}={a + b} #### {a + b}",
                "source": "arithmetic",
            }
        )
    write_text_atomic(path, "".join(json.dumps(r, allow_nan=False) + "\n" for r in rows))
    return path
