"""Checks of a data file's rows and of a task's templates, made before a run writes anything.

Each raises a DataError naming the file, the 1-based line (or the option) and the fix.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from benchlab.errors import DataError
from benchlab.tasks.data_files import DataTable

if TYPE_CHECKING:
    from benchlab.tasks.mc_formats import ChoiceItem
    from benchlab.tasks.sources import DataSource

__all__ = [
    "check_columns",
    "check_labels",
    "check_sft_rows",
    "check_shot_pools",
    "check_template",
    "check_texts",
    "check_unique_names",
    "inferred_label_names",
    "label_values",
]


def check_columns(table: DataTable, wanted: dict[str, str | None]) -> None:
    """Every mapped column (option field -> column name) is in the file, on every row."""
    for field_name, column in wanted.items():
        if column is None:
            continue
        if column not in table.columns:
            raise DataError(
                f"{table.path}: {field_name} is {column!r} but the file has columns "
                f"{list(table.columns)}; fix the column name in the config"
            )
        if table.kind in ("jsonl", "json"):
            for index, row in enumerate(table.rows):
                if column not in row:
                    raise DataError(
                        f"{table.path}: {table.where(index)} has no field {column!r} "
                        f"({field_name}); add it to every row"
                    )


def check_texts(table: DataTable, column: str, field_name: str) -> None:
    """No row's text is missing, null or blank (a model would be asked about nothing)."""
    for index, row in enumerate(table.rows):
        value = row.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            shown = "null" if value is None else "empty"
            raise DataError(
                f"{table.path}: {table.where(index)}: {shown} text in column {column!r} "
                f"({field_name}); fill it in or remove the row"
            )


def _label_index(value: Any, names: Sequence[str]) -> int | None:
    """The label's index as the task reads it: a name, or an integer index below len(names)."""
    if isinstance(value, str) and value in names:
        return names.index(value)
    if isinstance(value, bool | float):
        return None
    try:
        index = int(value)
    except (TypeError, ValueError):
        return None
    return index if 0 <= index < len(names) else None


def label_values(table: DataTable, column: str) -> list[Any]:
    """A file's labels as the loader types them: a CSV column of integers becomes integers."""
    values = [row.get(column) for row in table.rows]
    if table.kind in ("csv", "tsv") and all(
        isinstance(v, str) and v.strip().lstrip("-").isdigit() for v in values
    ):
        return [int(v) for v in values]
    return values


def inferred_label_names(values: Sequence[Any]) -> list[str]:
    """Label names as the task infers them without `label_names`: 0..max for integer labels,
    else the distinct values sorted as text."""
    distinct = sorted(set(values), key=str)
    if distinct and all(isinstance(v, int) and not isinstance(v, bool) for v in distinct):
        return [str(v) for v in range(max(distinct) + 1)]
    return [str(v) for v in distinct]


def check_labels(
    table: DataTable, column: str, names: Sequence[str] | None, named_by: str = "label_names"
) -> None:
    """Every label is present and, when names are known, one of them (or an index)."""
    values = label_values(table, column)
    for index, value in enumerate(values):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise DataError(
                f"{table.path}: {table.where(index)}: empty label in column {column!r}; "
                "give every row a label or remove the row"
            )
        if names is not None and _label_index(value, names) is None:
            raise DataError(
                f"{table.path}: {table.where(index)}: label {value!r} in column {column!r} is "
                f"not one of {named_by} {list(names)} (or an index below {len(names)}); fix "
                "the row, or set label_names to every label"
            )


def check_unique_names(values: Sequence[str] | None, field_name: str) -> None:
    """A list of names (label names, verbalizers) names each thing once."""
    if not values:
        return
    repeated = sorted({v for v in values if list(values).count(v) > 1})
    if repeated:
        raise DataError(
            f"{field_name} repeats {repeated}: each entry must be different, or two labels "
            "could never be told apart"
        )


def check_template(
    template: str,
    fields: Collection[str],
    field_name: str,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """A template formats against the fields it will be given; braces are balanced.

    `aliases` maps a data column to the field it fills (`review` -> `text`), so a template that
    names the column is told which field to write instead.
    """
    allowed = sorted(fields)
    shown = ", ".join("{" + f + "}" for f in allowed)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise DataError(
            f"{field_name} {template!r} is not a valid template ({exc}); close every {{field}} "
            "and write {{ and }} for literal braces"
        ) from None
    for _, name, _, _ in parsed:
        if name is None:
            continue
        if name == "" or name.isdigit():
            raise DataError(
                f"{field_name} {template!r} has a positional field {{{name}}}; name it: {shown}"
            )
        base = name.split(".")[0].split("[")[0]
        if base not in fields and aliases and base in aliases:
            raise DataError(
                f"{field_name} {template!r} names the column {{{base}}}; write "
                f"{{{aliases[base]}}}, the field that column fills"
            )
        if base not in fields:
            raise DataError(
                f"{field_name} {template!r} uses unknown field {{{name}}}; the fields are "
                f"{shown} (write {{{{ and }}}} for literal braces)"
            )
    try:
        template.format(**dict.fromkeys(fields, "x"))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        raise DataError(f"{field_name} {template!r} does not format ({exc})") from None


def check_shot_pools(
    n: int, train: Sequence[ChoiceItem], evaluated: Sequence[ChoiceItem] | None, source: DataSource
) -> None:
    """Each evaluated item finds `n` fixed shots among the train items of its subject (or all
    of them), never counting the item itself."""
    pools: dict[str | None, list[ChoiceItem]] = {}
    for item in train:
        pools.setdefault(item.subject, []).append(item)
    for item in evaluated if evaluated is not None else train:
        pool = pools.get(item.subject) or pools.get(None) or []
        shown_itself = evaluated is not None and len(pool) == n and _same_in(item, pool)
        usable = len(pool) - (1 if shown_itself else 0)
        if usable < n:
            subject = f" for subject {item.subject!r}" if item.subject else ""
            raise DataError(
                f"{source.path}: num_fewshot is {n} but only {usable} train items can be shown"
                f"{subject}; lower num_fewshot or add train items"
            )


def _same_in(item: ChoiceItem, pool: Sequence[ChoiceItem]) -> bool:
    return any(p.question == item.question and p.choices == item.choices for p in pool)


def check_sft_rows(table: DataTable) -> None:
    """Each SFT row is {prompt, completion} with text in both, or a non-empty {messages} list."""
    if table.kind != "jsonl":
        raise DataError(
            f"{table.path}: SFT data must be a .jsonl file of {{prompt, completion}} or "
            "{messages} objects, one per line"
        )
    for index, row in enumerate(table.rows):
        if "messages" in row:
            if not isinstance(row["messages"], list) or not row["messages"]:
                raise DataError(
                    f"{table.path}: {table.where(index)}: 'messages' must be a non-empty list "
                    'of {"role": ..., "content": ...} turns'
                )
            continue
        if "prompt" not in row or "completion" not in row:
            raise DataError(
                f"{table.path}: {table.where(index)}: an SFT row needs 'prompt' and "
                f"'completion' (or 'messages'); got {sorted(row)}"
            )
        for key in ("prompt", "completion"):
            value = row[key]
            if value is None or (isinstance(value, str) and not value.strip()):
                raise DataError(
                    f"{table.path}: {table.where(index)}: empty {key!r}; fill it in or remove "
                    "the row"
                )
