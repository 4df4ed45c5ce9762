"""Quantization schemes by name: what a `quantization:` value or a `quantize` mode may ask for.

A scheme family is one module that registers its schemes with `register_scheme`; `builtin.py`
imports each. A scheme turns a choice (name and bit width) into the quantization config that
`from_pretrained` applies at load time, so every scheme goes through the one loading path
(`benchlab.backends.weights.load_pretrained`). Whether a scheme can run here (its package
installed, a GPU present) is answered before anything runs, with one error naming the fix.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchlab.errors import BackendUnavailableError, ConfigError

__all__ = [
    "QuantChoice",
    "QuantScheme",
    "check_available",
    "parse_choice",
    "quantization_config",
    "register_scheme",
    "scheme_table",
    "unavailable_reason",
]


@dataclass(frozen=True)
class QuantChoice:
    """A scheme with its bit width, and what it may need at quantization time."""

    scheme: str
    bits: int
    group_size: int = 32

    @property
    def label(self) -> str:
        """The name written in configs, fingerprints and reports: `bnb-nf4`, `gptq:3`."""
        fixed = scheme_table()[self.scheme].bits
        return self.scheme if len(fixed) == 1 else f"{self.scheme}:{self.bits}"


@dataclass(frozen=True)
class QuantScheme:
    """One quantization scheme: its bit widths, what it needs, and how to build its config."""

    name: str
    family: str
    description: str
    bits: tuple[int, ...]
    #: (choice, compute dtype, calibration texts, tokenizer) -> a transformers quantization config
    build: Callable[[QuantChoice, Any, Sequence[str] | None, Any], Any]
    #: import names the scheme needs, and the pip extra or package that brings them
    packages: tuple[str, ...] = ()
    install: str = ""
    gpu_only: bool = False
    #: whether quantizing reads calibration rows (the task's train split)
    calibrated: bool = False


_REGISTRY: dict[str, QuantScheme] = {}


def register_scheme(scheme: QuantScheme) -> QuantScheme:
    """Add a scheme; a second scheme with the same name is a bug and raises."""
    if scheme.name in _REGISTRY:
        raise ValueError(f"quantization scheme {scheme.name!r} is already registered")
    _REGISTRY[scheme.name] = scheme
    return scheme


def scheme_table() -> dict[str, QuantScheme]:
    """Every registered scheme by name (the built-in families imported first)."""
    from benchlab.backends.quantization import builtin  # noqa: F401  (registers the families)

    return dict(_REGISTRY)


def parse_choice(label: str, bits: int | None = None, group_size: int = 32) -> QuantChoice:
    """`bnb-nf4`, `torchao-intx:4` or a scheme name plus `bits`, checked against the registry."""
    name, _, suffix = label.partition(":")
    table = scheme_table()
    if name not in table:
        raise ConfigError(f"unknown quantization {label!r}; use one of {sorted(table)}")
    scheme = table[name]
    if suffix:
        if not suffix.isdigit() or (bits is not None and int(suffix) != bits):
            raise ConfigError(f"quantization {label!r}: write the bit width once, e.g. {name}:4")
        bits = int(suffix)
    if bits is None:
        bits = scheme.bits[0]
    if bits not in scheme.bits:
        raise ConfigError(
            f"quantization {name!r} takes bits in {list(scheme.bits)}, not {bits}; "
            f"{scheme.description}"
        )
    return QuantChoice(name, bits, group_size)


def _installed(module: str) -> bool:
    """Whether a (possibly dotted) module can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


def unavailable_reason(choice: QuantChoice, *, check_gpu: bool = True) -> str | None:
    """Why the scheme cannot run on this machine (missing package, no GPU), or None.

    `check_gpu=False` skips the GPU question (it imports torch), e.g. for `benchlab list`.
    """
    scheme = scheme_table()[choice.scheme]
    missing = [p for p in scheme.packages if not _installed(p)]
    if scheme.gpu_only and check_gpu and not _has_gpu():
        tail = f", with {scheme.install}" if missing else ""
        return (
            f"{choice.label} quantizes on a CUDA GPU only and this machine has none; "
            f"run this config on a GPU machine{tail}"
        )
    if missing:
        return f"{choice.label} needs {', '.join(missing)}: {scheme.install}"
    return None


def check_available(choice: QuantChoice, where: str) -> None:
    """Raise one BackendUnavailableError naming `where` when the scheme cannot run here."""
    reason = unavailable_reason(choice)
    if reason is not None:
        raise BackendUnavailableError(f"{where}: {reason}")


def quantization_config(
    choice: QuantChoice,
    *,
    compute_dtype: Any = None,
    calibration: Sequence[str] | None = None,
    tokenizer: Any = None,
) -> Any:
    """The transformers quantization config for a choice (its package checked first)."""
    check_available(choice, f"quantization {choice.label!r}")
    scheme = scheme_table()[choice.scheme]
    return scheme.build(choice, compute_dtype, calibration, tokenizer)
