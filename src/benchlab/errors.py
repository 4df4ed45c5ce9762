"""Errors a user can cause: each names the file, field or value and says how to fix it.

The CLI prints a BenchlabError as one line without a traceback; anything else is a bug.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "BenchlabError",
    "ConfigError",
    "DataError",
    "UnsupportedRequestError",
]


class BenchlabError(Exception):
    """Base class for errors caused by input the user controls."""


class ConfigError(BenchlabError):
    """A configuration file or option is invalid."""


class DataError(BenchlabError):
    """A dataset, column or file cannot be used as declared."""


class BackendUnavailableError(BenchlabError):
    """An optional backend or extra (vLLM, GPTQ, a judge endpoint) is not available here."""


class UnsupportedRequestError(BenchlabError):
    """A backend was asked for a request type it cannot answer (e.g. generation from an encoder)."""
