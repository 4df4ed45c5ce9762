"""The one set of rules for relative file paths in a config: they mean the config's folder.

A value under a path key (`path`, `train`, `eval`, `data`, `problems`, `file`, `template`,
`reference_template`, `references`, `images`, `train_references`, `train_images`, `train_path`)
that names an existing file or folder next to the config is made absolute. `file` values, and
template values that name a YAML/JSON file, are made absolute even when missing, so the error
that follows names the full path; other keys may also hold hub ids (`path: Qwen/Qwen2-0.5B`) or
inline text (`template: "{text}\\nLabel:"`), so they stay as given.
`output_dir` and `cache` are not config-relative: like run directories, they follow the
working directory. `builtin:` values are left to the caller's `builtin` hook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PATH_KEYS", "resolve_paths"]

PATH_KEYS = frozenset(
    {
        "path",
        "train",
        "eval",
        "data",
        "problems",
        "file",
        "template",
        "reference_template",
        "references",
        "images",
        "train_references",
        "train_images",
        "train_path",
    }
)
_FILE_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")


def _names_a_file(key: str | None, value: str) -> bool:
    """A value that can only be a file name, so it resolves even when missing."""
    return key == "file" or (
        key in ("template", "reference_template") and value.endswith(_FILE_SUFFIXES)
    )


def resolve_paths(
    value: Any,
    base: Path,
    key: str | None = None,
    *,
    builtin: Callable[[str], str] | None = None,
) -> Any:
    """`value` with relative paths made absolute against `base`, recursively.

    `builtin(value)` (when given) replaces each `builtin:NAME` string, e.g. with the bundled
    data file it names.
    """
    if isinstance(value, dict):
        return {k: resolve_paths(v, base, k, builtin=builtin) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_paths(item, base, builtin=builtin) for item in value]
    if not isinstance(value, str):
        return value
    if value.startswith("builtin:"):
        return builtin(value) if builtin is not None else value
    if key in PATH_KEYS and not Path(value).is_absolute():
        candidate = base / value
        if candidate.exists() or _names_a_file(key, value):
            return str(candidate.resolve())
    return value
