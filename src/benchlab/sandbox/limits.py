"""Resource limits for one sandboxed program: small enough that a hostile program is harmless.

Defaults suit HumanEval-style checks (each runs in well under a second and a few MB).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Limits"]

_MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per-program limits; `wall_seconds` kills the whole process group, the rest are rlimits."""

    wall_seconds: float = 10.0
    cpu_seconds: int = 10
    memory_bytes: int = 1024 * _MiB
    file_size_bytes: int = 16 * _MiB
    max_processes: int = 32
    open_files: int = 64
    output_bytes: int = 64 * 1024
    tmpfs_bytes: int = 64 * _MiB

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value <= 0:
                raise ValueError(f"Limits.{name} must be positive, got {value!r}")

    def for_harness(self, nproc: int | None) -> dict[str, Any]:
        """The rlimit values the in-sandbox harness applies, as JSON."""
        return {
            "cpu_seconds": int(self.cpu_seconds),
            "memory_bytes": int(self.memory_bytes),
            "file_size_bytes": int(self.file_size_bytes),
            "open_files": int(self.open_files),
            "nproc": nproc,
        }
