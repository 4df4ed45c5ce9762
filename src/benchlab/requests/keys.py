"""The identity of a request as JSON: every field, with media replaced by their content hashes."""

from __future__ import annotations

import dataclasses
from typing import Any

from benchlab.requests.media import Media

__all__ = ["request_fields"]


def _plain(value: Any) -> Any:
    if isinstance(value, Media):
        return value.key()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def request_fields(request: Any) -> dict[str, Any]:
    """The request's fields for a cache key; empty media are left out so text keys never change.

    Keys written before requests could carry media stay valid: a text-only request's fields are
    exactly what they were.
    """
    fields = {}
    for item in dataclasses.fields(request):
        value = getattr(request, item.name)
        if item.name == "media" and not value:
            continue
        fields[item.name] = _plain(value)
    return fields
