"""Silences third-party progress bars and load reports so benchlab's own bars stay readable."""

from __future__ import annotations

import logging
import os
import warnings

__all__ = ["quiet_libraries"]


def quiet_libraries() -> None:
    """Turn off datasets/transformers progress bars and info chatter for this process."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import datasets
    import transformers

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    transformers.logging.set_verbosity_error()
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="peft")
    warnings.filterwarnings("ignore", module="transformers")
