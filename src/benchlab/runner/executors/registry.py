"""Executor names -> factories; a duplicate name is refused."""

from __future__ import annotations

from collections.abc import Callable

from benchlab.runner.executors.base import Executor

__all__ = ["build_executor", "executor_names", "register_executor"]

_EXECUTORS: dict[str, Callable[[], Executor]] = {}
_loaded = False  # the built-in entries are registered on first use


def register_executor(name: str, factory: Callable[[], Executor]) -> None:
    """Register an executor; a second registration of the same name is an error."""
    if name in _EXECUTORS:
        raise ValueError(f"executor {name!r} is already registered")
    _EXECUTORS[name] = factory


def executor_names() -> list[str]:
    """Registered executor names."""
    _load()
    return sorted(_EXECUTORS)


def build_executor(name: str = "local") -> Executor:
    """A new executor of the named kind."""
    _load()
    try:
        return _EXECUTORS[name]()
    except KeyError:
        raise ValueError(f"unknown executor {name!r}; known: {sorted(_EXECUTORS)}") from None


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from benchlab.runner.executors.local import LocalExecutor

    register_executor("local", LocalExecutor)
