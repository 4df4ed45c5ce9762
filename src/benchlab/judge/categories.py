"""A judge config's categories: prompts from files or tasks, split by field and by turn.

Each configured category becomes one `JudgeCategory` per turn of its conversations (single
questions have one turn), or, with `prompts.category_field`, one per value of that field and
turn. Each gets the template its turn and grading need: single or multi-turn, with or without
a gold answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchlab.errors import ConfigError
from benchlab.judge.answers import PromptRow, read_prompt_rows, turn_prompts
from benchlab.judge.config import CategorySpec, JudgeSettings
from benchlab.judge.prompts import (
    DEFAULT_MULTI_TURN,
    DEFAULT_PAIRWISE,
    DEFAULT_REFERENCE_GUIDED,
    DEFAULT_REFERENCE_GUIDED_MULTI_TURN,
    JudgeTemplate,
    load_template,
)
from benchlab.judge.records import JudgeCategory, JudgePrompt

__all__ = ["TaskPrompts", "build_categories"]


#: Builds a task's eval split as prompts: (task type, name, options, *, limit) -> prompts.
#: `benchlab.tasks.judge_prompts.prompts_from_task` is the one the CLI and matrix task pass.
TaskPrompts = Callable[..., list[JudgePrompt]]


@dataclass(frozen=True)
class _Templates:
    """The four judge templates: single or multi-turn, with or without a gold answer."""

    plain: JudgeTemplate
    guided: JudgeTemplate
    multi_turn: JudgeTemplate
    multi_turn_guided: JudgeTemplate

    def pick(self, turn: int, guided: bool) -> JudgeTemplate:
        """The template for a category of this turn."""
        if turn > 1:
            return self.multi_turn_guided if guided else self.multi_turn
        return self.guided if guided else self.plain


def _templates(config: JudgeSettings) -> _Templates:
    judge = config.judge

    def load(path: str | None, default: JudgeTemplate) -> JudgeTemplate:
        return load_template(path) if path else default

    return _Templates(
        load(judge.template, DEFAULT_PAIRWISE),
        load(judge.reference_template, DEFAULT_REFERENCE_GUIDED),
        load(judge.multi_turn_template, DEFAULT_MULTI_TURN),
        load(judge.multi_turn_reference_template, DEFAULT_REFERENCE_GUIDED_MULTI_TURN),
    )


def _file_groups(spec: CategorySpec) -> list[tuple[str, list[PromptRow], bool]]:
    """(category name, rows, reference-guided) for a file entry, split by `category_field`."""
    source = spec.prompts
    assert source.file is not None
    rows = read_prompt_rows(
        source.file,
        id_field=source.id_field,
        question_field=source.question_field,
        reference_field=source.reference_field,
        category_field=source.category_field,
        max_turns=source.max_turns,
        limit=source.limit,
    )
    if source.category_field is None:
        assert spec.name is not None
        return [(spec.name, rows, bool(spec.reference_guided))]
    values = list(dict.fromkeys(str(row.category) for row in rows))
    guided = spec.reference_guided
    unknown = sorted(set(guided) - set(values)) if isinstance(guided, list) else []
    if unknown:
        raise ConfigError(
            f"{source.file}: reference_guided names {unknown}, which field "
            f"{source.category_field!r} never holds (values: {values[:12]})"
        )
    prefix = f"{spec.name}/" if spec.name else ""
    return [
        (
            prefix + value,
            [row for row in rows if row.category == value],
            value in guided if isinstance(guided, list) else guided,
        )
        for value in values
    ]


def _check_guided(name: str, prompts: Sequence[JudgePrompt]) -> None:
    lacking = [p.id for p in prompts if p.reference is None]
    if lacking:
        raise ConfigError(
            f"category {name!r}: reference_guided needs gold answers, and prompt(s) "
            f"{lacking[:5]} have none; set prompts.reference_field (or use a task with gold "
            "answers)"
        )


def build_categories(
    config: JudgeSettings, task_prompts: TaskPrompts | None = None, *, multi_turn: bool = False
) -> list[JudgeCategory]:
    """Each configured category with its prompts and template; prompt ids must be unique.

    Categories whose prompts come from a task get them from `task_prompts`. A file whose
    questions are conversations gives one category per turn (`NAME (turn N)` from turn 2 on)
    when `multi_turn` is set, and is refused otherwise (callers that generate one answer per
    prompt, like the matrix task, cannot hold a conversation).
    """
    templates = _templates(config)
    groups: list[tuple[str, list[PromptRow] | list[JudgePrompt], bool, float]] = []
    for spec in config.categories:
        source = spec.prompts
        if source.file is not None:
            groups += [(n, rows, g, spec.weight) for n, rows, g in _file_groups(spec)]
            continue
        assert source.task is not None and spec.name is not None
        if task_prompts is None:
            raise ConfigError(
                f"category {spec.name!r}: prompts.task needs a task-prompt builder here; "
                "give the prompts as a file"
            )
        prompts = task_prompts(
            source.task.task_type, source.task.name, source.task.options, limit=source.limit
        )
        groups.append((spec.name, prompts, bool(spec.reference_guided), spec.weight))

    categories: list[JudgeCategory] = []
    seen: dict[str, str] = {}
    for turn in range(1, 1 + max(_turns(items) for _, items, _, _ in groups)):
        for name, items, guided, weight in groups:
            if turn > _turns(items):
                continue
            if turn > 1 and not multi_turn:
                raise ConfigError(
                    f"category {name!r}: its prompts are conversations of {_turns(items)} "
                    "turns, but here each prompt gets one answer; set prompts.max_turns: 1 "
                    "(or judge conversations with `benchlab judge`)"
                )
            prompts = _prompts(items, turn)
            label = name if turn == 1 else f"{name} (turn {turn})"
            if guided:
                _check_guided(label, prompts)
            for prompt in prompts:
                if prompt.id in seen:
                    raise ConfigError(
                        f"prompt id {prompt.id!r} appears in categories {seen[prompt.id]!r} and "
                        f"{label!r}; ids must be unique across categories"
                    )
                seen[prompt.id] = label
            template = templates.pick(turn, guided)
            categories.append(JudgeCategory(label, tuple(prompts), template, weight, turn))
    return categories


def _turns(items: Sequence[PromptRow] | Sequence[JudgePrompt]) -> int:
    """The most turns of any conversation in a category (1 for single questions)."""
    return max((len(i.turns) for i in items if isinstance(i, PromptRow)), default=1)


def _prompts(items: Sequence[PromptRow] | Sequence[JudgePrompt], turn: int) -> list[JudgePrompt]:
    if items and isinstance(items[0], PromptRow):
        return turn_prompts(items, turn)  # type: ignore[arg-type]
    return list(items)  # type: ignore[arg-type]
