"""Imports every task family module so that each registers its task types."""

from benchlab.tasks import classification, glue  # noqa: F401
