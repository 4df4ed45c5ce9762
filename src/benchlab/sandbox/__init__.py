"""Isolated execution of untrusted Python code (generated programs, HumanEval completions).

Usable on its own: `run_program(Program(code, test))` runs one program in a fresh sandbox
(bubblewrap where installed, else `unshare` namespaces, else rlimits only) and says whether
the test code provably completed; `run_programs` does many on a bounded pool.
"""

from benchlab.sandbox.isolation import (
    ISOLATION_LEVELS,
    Isolation,
    SandboxUnavailableError,
    available_isolation,
    best_isolation,
)
from benchlab.sandbox.limits import Limits
from benchlab.sandbox.pool import default_workers, run_programs
from benchlab.sandbox.runner import ExecutionResult, Program, Status, run_program

__all__ = [
    "ISOLATION_LEVELS",
    "ExecutionResult",
    "Isolation",
    "Limits",
    "Program",
    "SandboxUnavailableError",
    "Status",
    "available_isolation",
    "best_isolation",
    "default_workers",
    "run_program",
    "run_programs",
]
