"""Task names users write in a config, mapped to factories that validate their options."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from benchlab.tasks.base import Task

__all__ = ["TaskEntry", "build_task", "register_task", "task_entries"]


@dataclass(frozen=True)
class TaskEntry:
    """A registered task type: its family, a one-line description and its factory."""

    name: str
    family: str
    description: str
    build: Callable[[str, Mapping[str, Any]], Task]
    #: Evaluation passes this task type adds to evaluate and latency (e.g. "scoring_model").
    passes: tuple[str, ...] = ()


_REGISTRY: dict[str, TaskEntry] = {}


def register_task(entry: TaskEntry) -> TaskEntry:
    """Add a task type; a second registration under the same name is a bug and raises."""
    if entry.name in _REGISTRY:
        raise ValueError(f"task type {entry.name!r} is already registered")
    _REGISTRY[entry.name] = entry
    return entry


def _load_builtin_tasks() -> None:
    # Importing the family modules registers their tasks.
    from benchlab.tasks import families  # noqa: F401


def task_entries() -> dict[str, TaskEntry]:
    """All registered task types by name."""
    _load_builtin_tasks()
    return dict(_REGISTRY)


def build_task(task_type: str, name: str, options: Mapping[str, Any]) -> Task:
    """Instantiate a task by type; raises KeyError for an unknown type."""
    entries = task_entries()
    return entries[task_type].build(name, options)
