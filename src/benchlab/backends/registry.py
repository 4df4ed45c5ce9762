"""Backends by name: a model entry's `backend` picks the class that loads and serves it.

A backend module defines a `Backend` subclass with the classmethods `load` (weights, when the
backend has local weights) and `from_spec`, decorated with `register_backend`; `builtin.py`
imports it. Methods ask this registry for a backend or for loaded weights; they never name a
loader, so a new backend is one module plus one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from benchlab.errors import ConfigError

if TYPE_CHECKING:
    from benchlab.backends.base import Backend
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

__all__ = ["backend_class", "backend_types", "build_backend", "load_model", "register_backend"]

_REGISTRY: dict[str, type[Backend]] = {}


def register_backend(name: str, *, description: str):
    """Class decorator registering a backend under `name`; a duplicate name raises."""

    def decorate(cls: type[Backend]) -> type[Backend]:
        if name in _REGISTRY:
            raise ValueError(
                f"backend {name!r} is already registered by {_REGISTRY[name].__qualname__}"
            )
        cls.name = name
        cls.description = description
        _REGISTRY[name] = cls
        return cls

    return decorate


def backend_types() -> dict[str, type[Backend]]:
    """All registered backends by name (the built-in ones imported first)."""
    from benchlab.backends import builtin  # noqa: F401  (registers the built-in backends)

    return dict(_REGISTRY)


def backend_class(spec: ModelSpec) -> type[Backend]:
    """The backend class a model entry names (or its kind's default), or a clear error."""
    types = backend_types()
    name = spec.backend_name
    if name not in types:
        raise ConfigError(
            f"model {spec.name!r}: unknown backend {name!r}; available: {sorted(types)}"
        )
    return types[name]


def load_model(spec: ModelSpec, **options: Any) -> LoadedModel:
    """The model's weights in memory, for a method that trains or adapts them."""
    return backend_class(spec).load(spec, **options)


def build_backend(
    spec: ModelSpec,
    *,
    adapter: str | None = None,
    loaded: LoadedModel | None = None,
    tag: tuple[str, ...] = (),
) -> Backend:
    """A ready backend for a model entry: loaded here, or wrapping weights a method produced.

    `adapter` puts a peft adapter folder on top of the weights; `tag` names what a method did to
    the weights (e.g. the digest of its adapter) so its answers never share a cache entry with
    the base model's.
    """
    return backend_class(spec).from_spec(spec, adapter=adapter, loaded=loaded, tag=tag)
