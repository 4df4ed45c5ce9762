"""Errors a user can cause when publishing: a wrong experiment, no artifact, no token."""

from __future__ import annotations

from benchlab.errors import BenchlabError

__all__ = ["PublishError"]


class PublishError(BenchlabError):
    """An experiment cannot be published as asked (names the experiment, file or option)."""
