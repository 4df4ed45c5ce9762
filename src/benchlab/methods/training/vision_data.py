"""Where a VLM training mode's rows come from: a LLaVA conversation file or hub id, or the task.

A mode's `data` naming LLaVA rows (`{"id", "image", "conversations"}`, local .json / .jsonl with
an `images` folder, or a hub id such as `Xkev/LLaVA-CoT-100k`) is read with
`benchlab.data.read_llava` and turned into TRL's chat format with `llava_chat_row`; otherwise the
task's own training pairs (an image, the prompt, the reference answer) are used.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from benchlab.data import llava_chat_row, read_llava
from benchlab.methods.training.vision_rows import VisionRow, chat_rows

__all__ = ["conversation_data", "data_identity", "llava_rows"]


def conversation_data(data: str) -> Literal["file", "hub"] | None:
    """'file' for a local file of LLaVA rows, 'hub' for a hub id, None for other data.

    Read from the first row only, so a text SFT file ({prompt, completion} / {messages}) keeps
    its own checks.
    """
    path = Path(data)
    if not path.is_file():
        looks_local = path.suffix.lower() in (".json", ".jsonl") or data.startswith((".", "/"))
        return None if looks_local or data.count("/") != 1 else "hub"
    with path.open(encoding="utf-8") as handle:
        head = handle.read(1 << 16)
    if path.suffix.lower() == ".jsonl":
        first = head.split("\n", 1)[0]
    else:
        first = head.lstrip().removeprefix("[")
    return "file" if '"conversations"' in first else None


def data_identity(data: str, *, split: str, revision: str | None) -> str:
    """What the rows depend on: a local file's content hash, or the hub id, split, revision."""
    path = Path(data)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return json.dumps([data, split, revision])


def llava_rows(
    data: str,
    *,
    images: str | None,
    split: str,
    revision: str | None,
    cap: int | None,
) -> list[VisionRow]:
    """One row per assistant turn of the first `cap` conversations (all when None)."""
    conversations = read_llava(data, images=images, split=split, revision=revision)
    rows: list[VisionRow] = []
    for conversation in conversations[:cap] if cap else conversations:
        rows.extend(chat_rows(conversation.id, llava_chat_row(conversation)))
    return rows
