"""A task's eval examples as judge prompts: the question a judge reads, and the gold answer.

The judge knows only `JudgePrompt`s; this module is where a task hands them over, so the judge
never imports tasks. A task may phrase its own prompt with `judge_prompt(example)` (multiple
choice and GSM8K do); otherwise the prompt comes from the task's requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.errors import DataError
from benchlab.judge.run import JudgePrompt
from benchlab.requests import GenerationRequest, LoglikelihoodRequest

__all__ = ["prompts_from_task", "task_prompt"]


def _with_choices(context: str, choices: Sequence[str]) -> str:
    """A log-likelihood context with its scored choices listed, before a final cue line.

    Contexts that already list the choices one per line (MMLU's "A. ...", GPQA's "(A) ...")
    are kept as they are.
    """
    lines = [line.lstrip() for line in context.splitlines()]
    if all(any(line.startswith(choice) for line in lines) for choice in choices):
        return context
    listed = "Options: " + " | ".join(choices)
    head, _, cue = context.rstrip().rpartition("\n")
    if head and cue.rstrip().endswith(":"):  # "Answer:", "Label:" stays the last line
        return f"{head}\n{listed}\n{cue}"
    return f"{context.rstrip()}\n{listed}"


def task_prompt(task: Any, example: Any) -> tuple[str, str | None]:
    """The question a judge (and a candidate) reads for a task example, and its gold answer.

    A task may say it itself with `judge_prompt(example) -> (question, gold text or None)`.
    Otherwise: a generation request's prompt; or a log-likelihood context, with the scored
    continuations listed as options (multiple choice, classification) and the gold index
    turned into the gold choice's text.
    """
    hook = getattr(task, "judge_prompt", None)
    if callable(hook):
        question, reference = hook(example)
        return str(question), None if reference is None else str(reference)
    from benchlab.tasks.base import EvalContext

    gold = example.gold
    requests = task.requests_for(example, (), EvalContext())
    for request in requests:
        if isinstance(request, GenerationRequest):
            return request.prompt, None if gold is None else str(gold)
    scored = [r for r in requests if isinstance(r, LoglikelihoodRequest)]
    if not scored:
        raise DataError(f"task {task.name!r} example {example.id!r}: no prompt text to judge")
    context = scored[0].context
    choices = [r.continuation.strip() for r in scored if r.context == context]
    if len(choices) < 2:
        return context, None if gold is None else str(gold)
    index_gold = isinstance(gold, int) and not isinstance(gold, bool) and 0 <= gold < len(choices)
    reference = choices[gold] if index_gold else (None if gold is None else str(gold))
    return _with_choices(context, choices), reference


def prompts_from_task(
    task_type: str, name: str, options: dict[str, Any], *, limit: int | None = None
) -> list[JudgePrompt]:
    """A task's eval examples as prompts (see `task_prompt`), gold answers as references.

    Ids are `TASK/EXAMPLE_ID`, so that answers files for several tasks cannot collide.
    """
    from benchlab.tasks.registry import build_task

    try:
        task = build_task(task_type, name, options)
    except KeyError as exc:
        raise DataError(f"judge category: unknown task type {task_type!r}") from exc
    prompts = []
    for example in task.load_split("eval")[:limit]:
        question, reference = task_prompt(task, example)
        prompts.append(
            JudgePrompt(id=f"{name}/{example.id}", question=question, reference=reference)
        )
    return prompts
