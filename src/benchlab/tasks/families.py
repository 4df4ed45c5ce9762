"""Imports every task family module so that each registers its task types."""

from benchlab.tasks import (  # noqa: F401
    classification,
    glue,
    math,
    mmlu,
    multiple_choice,
    pairwise_judge,
)
from benchlab.tasks.code import humaneval, mbpp  # noqa: F401
from benchlab.tasks.vision import captions, mmbench_task  # noqa: F401
