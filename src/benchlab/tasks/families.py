"""Imports every task family module so that each registers its task types."""

from benchlab.tasks import classification, glue  # noqa: F401
from benchlab.tasks import math, mmlu, multiple_choice  # noqa: F401
