"""Evaluation passes: what an experiment does with its prepared model (evaluate, latency, ...).

Adding a pass is one module with a class that has `name` and `run(context)`, plus one
`register_pass` line in `passes/registry.py`.
"""

from benchlab.runner.passes.base import EvaluationPass, PassContext
from benchlab.runner.passes.registry import (
    DEFAULT_PASSES,
    build_pass,
    pass_names,
    passes_for,
    register_pass,
)

__all__ = [
    "DEFAULT_PASSES",
    "EvaluationPass",
    "PassContext",
    "build_pass",
    "pass_names",
    "passes_for",
    "register_pass",
]
