"""Executor names -> factories; a duplicate name is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from benchlab.errors import ConfigError
from benchlab.runner.executors.base import Executor

if TYPE_CHECKING:
    from benchlab.config.schema import BenchConfig

__all__ = ["build_executor", "executor_names", "register_executor"]

#: name -> factory taking the study config (None: defaults), e.g. for Ray's cluster settings.
_EXECUTORS: dict[str, Callable[..., Executor]] = {}
_loaded = False  # the built-in entries are registered on first use


def register_executor(name: str, factory: Callable[..., Executor]) -> None:
    """Register an executor; a second registration of the same name is an error."""
    if name in _EXECUTORS:
        raise ValueError(f"executor {name!r} is already registered")
    _EXECUTORS[name] = factory


def executor_names() -> list[str]:
    """Registered executor names."""
    _load()
    return sorted(_EXECUTORS)


def build_executor(name: str = "local", *, config: BenchConfig | None = None) -> Executor:
    """A new executor of the named kind, set up from the study config when given."""
    _load()
    if name not in _EXECUTORS:
        raise ConfigError(f"unknown executor {name!r}; use one of {sorted(_EXECUTORS)}")
    factory = _EXECUTORS[name]
    return factory() if config is None else factory(config=config)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from benchlab.runner.executors.local import LocalExecutor
    from benchlab.runner.executors.ray_executor import RayExecutor

    register_executor("local", LocalExecutor)
    register_executor("ray", RayExecutor.from_config)
