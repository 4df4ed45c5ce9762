"""The one YAML reader for every benchlab config: UTF-8 only, duplicate keys refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from benchlab.config.secrets import looks_like_secret, redact_text
from benchlab.errors import ConfigError

__all__ = ["read_yaml_mapping"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping (YAML keeps the last)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            shown = "a key that looks like a secret" if looks_like_secret(key) else repr(key)
            raise ConfigError(
                f"{loader.name}:{line}: duplicate key {shown} (first given on line {seen[key]}); "
                "keep one of them"
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _text(path: Path, what: str) -> str:
    """The file's text, or a ConfigError naming the file and how to make it readable."""
    if not path.is_file():
        raise ConfigError(f"{what} not found: {path}")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError(f"{path}: the file is UTF-16 encoded; save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save the file as UTF-8 (a binary file is not a config)"
        ) from exc


def read_yaml_mapping(path: str | Path, what: str = "config file") -> dict[str, Any]:
    """A config file's top-level mapping; errors name the file, the line and the fix."""
    path = Path(path)
    text = _text(path, what)
    if "\x00" in text:
        raise ConfigError(f"{path}: holds NUL bytes, so it is not a text config; save as UTF-8")
    loader = _UniqueKeyLoader(text)
    loader.name = str(path)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {redact_text(str(exc))}") from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of fields")
    return data
