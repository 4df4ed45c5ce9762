"""Mode types users write in a config, mapped to Method classes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchlab.methods.base import Method

__all__ = ["build_method", "method_types", "register_method"]

_REGISTRY: dict[str, type[Method]] = {}


def register_method(name: str):
    """Class decorator registering a method type; a duplicate name is a bug and raises."""

    def decorate(cls: type[Method]) -> type[Method]:
        if name in _REGISTRY:
            raise ValueError(f"method type {name!r} is already registered")
        _REGISTRY[name] = cls
        return cls

    return decorate


def method_types() -> dict[str, type[Method]]:
    """All registered method types by name."""
    from benchlab.methods import builtin  # noqa: F401  (registers the built-in methods)

    return dict(_REGISTRY)


def build_method(method_type: str, options: Mapping[str, Any]) -> Method:
    """Instantiate a method, validating its options."""
    cls = method_types()[method_type]
    return cls(cls.options_model.model_validate(dict(options)))
