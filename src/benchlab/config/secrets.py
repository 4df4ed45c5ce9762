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

SECRET_ADVICE = (
    "it looks like a key or token, so it is not shown; put secrets in an environment variable "
    "and give its NAME in a *_env field (e.g. api_key_env: OPENAI_API_KEY)"
)


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_like_secret(value: Any) -> bool:
    """True for strings shaped like API keys or tokens (known prefixes, long random strings)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if text.startswith(_PREFIXES) and len(text) >= 8:
        return True
    has_letters = any(c.isalpha() for c in text)
    has_digits = any(c.isdigit() for c in text)
    return bool(_TOKEN.match(text)) and has_letters and has_digits and _entropy(text) >= 3.5


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
