"""Pass names -> factories; a duplicate name is refused."""

from __future__ import annotations

from collections.abc import Callable

from benchlab.config.plan import ExperimentSpec
from benchlab.runner.passes.base import EvaluationPass

__all__ = ["DEFAULT_PASSES", "build_pass", "pass_names", "passes_for", "register_pass"]

#: The passes every experiment runs, in order (latency after evaluate: the model is warm and
#: the predictions do not depend on what latency runs).
DEFAULT_PASSES = ("evaluate", "latency")

_PASSES: dict[str, Callable[[], EvaluationPass]] = {}
_loaded = False  # the built-in entries are registered on first use


def register_pass(name: str, factory: Callable[[], EvaluationPass]) -> None:
    """Register a pass; a second registration of the same name is an error."""
    if name in _PASSES:
        raise ValueError(f"evaluation pass {name!r} is already registered")
    _PASSES[name] = factory


def passes_for(spec: ExperimentSpec) -> tuple[str, ...]:
    """The passes an experiment runs: evaluate, the task type's own passes (e.g.
    `scoring_model`), latency, then consistency sampling when the mode has a `consistency:`
    block."""
    from benchlab.tasks.registry import task_entries

    extra = task_entries()[spec.task.task_type].passes
    passes = (DEFAULT_PASSES[0], *extra, *DEFAULT_PASSES[1:])
    return (*passes, "consistency") if spec.mode.consistency is not None else passes


def pass_names() -> list[str]:
    """Registered pass names."""
    _load()
    return sorted(_PASSES)


def build_pass(name: str) -> EvaluationPass:
    """A new instance of the named pass."""
    _load()
    try:
        return _PASSES[name]()
    except KeyError:
        raise ValueError(f"unknown evaluation pass {name!r}; known: {sorted(_PASSES)}") from None


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    from benchlab.runner.passes.consistency import ConsistencyPass
    from benchlab.runner.passes.evaluate import EvaluatePass
    from benchlab.runner.passes.latency import LatencyPass
    from benchlab.runner.passes.scoring_model import ScoringModelPass

    register_pass("evaluate", EvaluatePass)
    register_pass("latency", LatencyPass)
    register_pass("scoring_model", ScoringModelPass)
    register_pass("consistency", ConsistencyPass)
