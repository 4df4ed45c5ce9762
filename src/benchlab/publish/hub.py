"""Pushes an assembled folder to the Hugging Face Hub: create_repo, then upload_folder.

The token comes from the HF_TOKEN environment variable only and is handed to the client in
memory: it is never written to a file, printed, or kept in an error message (any text that
reaches the user is scrubbed of it). Transient failures (429, 5xx, dropped connections) are
retried with exponential backoff; anything else fails at once with the Hub's own message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from benchlab.publish.errors import PublishError

__all__ = ["TOKEN_VARIABLE", "TRANSIENT_STATUS", "push_folder", "scrub"]

TOKEN_VARIABLE = "HF_TOKEN"
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
T = TypeVar("T")


def scrub(text: str, secret: str | None) -> str:
    """The text with every occurrence of the secret replaced."""
    return text.replace(secret, "***") if secret else text


def _transient(error: BaseException) -> bool:
    import httpx
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(error, HfHubHTTPError):
        response = getattr(error, "response", None)
        return getattr(response, "status_code", None) in TRANSIENT_STATUS
    return isinstance(error, (httpx.TransportError, ConnectionError, TimeoutError))


def _with_retries(
    action: Callable[[], T], what: str, *, attempts: int, delay: float, log: Callable[[str], None]
) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as error:
            if attempt == attempts or not _transient(error):
                raise
            wait = delay * 2 ** (attempt - 1)
            log(f"{what}: transient error ({type(error).__name__}), retry {attempt} in {wait:g}s")
            time.sleep(wait)
    raise AssertionError("unreachable")


def push_folder(
    folder: Path,
    repo_id: str,
    *,
    private: bool = False,
    attempts: int = 4,
    delay: float = 2.0,
    log: Callable[[str], None] = print,
) -> str:
    """Create (or reuse) the model repo and upload the folder; return the repo URL."""
    from huggingface_hub import HfApi

    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        raise PublishError(
            f"{TOKEN_VARIABLE} is not set: export a Hugging Face write token as {TOKEN_VARIABLE} "
            "(it is read from the environment only), or use --dry-run"
        )
    api = HfApi(token=token)
    try:
        url = _with_retries(
            lambda: api.create_repo(repo_id, private=private, repo_type="model", exist_ok=True),
            "create_repo",
            attempts=attempts,
            delay=delay,
            log=log,
        )
        _with_retries(
            lambda: api.upload_folder(
                repo_id=repo_id,
                folder_path=str(folder),
                repo_type="model",
                commit_message="Upload model and card from benchlab",
            ),
            "upload_folder",
            attempts=attempts,
            delay=delay,
            log=log,
        )
    except PublishError:
        raise
    except Exception as error:
        message = scrub(f"{type(error).__name__}: {error}", token).splitlines()[0]
        raise PublishError(f"pushing {folder} to {repo_id} failed: {message}") from None
    return str(url)
