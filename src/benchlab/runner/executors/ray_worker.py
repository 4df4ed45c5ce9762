"""What an experiment does on a Ray worker before and around its step: its own log, and
waiting out an earlier attempt that another host may still be running."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

from benchlab.record.layout import ExperimentFiles
from benchlab.record.marker import STALE_AFTER_SECONDS
from benchlab.record.state import experiment_state
from benchlab.runner.executors.base import Job

__all__ = ["LOG_NAME", "wait_while_running", "worker_logger"]

#: Each experiment's own log in its folder; every attempt appends to it.
LOG_NAME = "experiment.log"


@contextmanager
def worker_logger(files: ExperimentFiles) -> Iterator[logging.Logger]:
    """A logger appending to the experiment's log, each line naming this host and process."""
    files.root.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"benchlab.worker.{files.root}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler = logging.FileHandler(files.root / LOG_NAME, encoding="utf-8")
    where = f"{socket.gethostname()}:{os.getpid()}"
    handler.setFormatter(logging.Formatter(f"%(asctime)s {where} %(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


def wait_while_running(
    job: Job, logger: logging.Logger, *, poll_seconds: float = 5.0, limit: float | None = None
) -> None:
    """Wait while another live attempt holds the experiment (a retry racing a slow host).

    A marker stops reading as live when its process dies (same host) or its heartbeat goes
    stale (another host), so the wait ends by itself; `limit` caps it all the same.
    """
    limit = STALE_AFTER_SECONDS + 60 if limit is None else limit
    deadline = time.monotonic() + limit
    while experiment_state(job.files, job.expected).state == "running":
        if time.monotonic() > deadline:
            logger.warning("%s: still marked running after %.0fs; running it", job.spec.id, limit)
            return
        logger.info("%s: another attempt is running; waiting", job.spec.id)
        time.sleep(poll_seconds)
