"""Spotting values that look like keys or tokens, so no message ever echoes one."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

__all__ = ["SECRET_ADVICE", "looks_like_secret", "redact_text", "shown_value"]

_PREFIXES = ("sk-", "sk_", "hf_", "AIza", "ghp_", "gho_", "ghs_", "github_pat_", "xox", "glpat-")
_WORD = re.compile(r"[^\s'\"`:,{}\[\]]+")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-+=]{24,}$")
_BODY = re.compile(r"^[A-Za-z0-9_\-]+$")

SECRET_ADVICE = (
    "it looks like a key or token, so it is not shown; put secrets in an environment variable "
    "and give its NAME in a *_env field (e.g. api_key_env: OPENAI_API_KEY)"
)


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _mixed(text: str) -> bool:
    """Digits, or both cases: what generated keys have and names like `hf_causal` lack."""
    return any(c.isdigit() for c in text) or (text.lower() != text and text.upper() != text)


def looks_like_secret(value: Any) -> bool:
    """True for strings shaped like API keys or tokens (known prefixes, long random strings)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    for prefix in _PREFIXES:
        rest = text.removeprefix(prefix)
        if rest != text and len(rest) >= 16 and _BODY.match(rest) and _mixed(rest):
            return True
    separators = sum(text.count(c) for c in "-_")
    return (
        bool(_TOKEN.match(text))
        and separators <= 2
        and any(c.isdigit() for c in text)
        and text.lower() != text
        and text.upper() != text
        and _entropy(text) >= 4.0
    )


def shown_value(value: Any) -> str:
    """`repr(value)` for messages, or a note that it was withheld because it looks secret."""
    if looks_like_secret(value):
        return "a value that looks like a key or token (not shown)"
    if isinstance(value, (list, tuple)) and any(looks_like_secret(v) for v in value):
        return "a list holding a value that looks like a key or token (not shown)"
    return repr(value)


def redact_text(text: str) -> str:
    """`text` with every word that looks like a key or token replaced by `<hidden>`."""
    return re.sub(
        r"[^\s'\"`:,{}\[\]]+", lambda m: "<hidden>" if looks_like_secret(m[0]) else m[0], text
    )
