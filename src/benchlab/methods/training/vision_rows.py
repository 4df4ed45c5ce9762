"""Training rows for a vision-language model: chat prompt with images -> one assistant answer.

A row becomes TRL's conversational prompt-completion format (`prompt` messages, one `completion`
message, `images`), read lazily: images are decoded only when a batch is collated. A multi-turn
conversation gives one row per assistant turn (the earlier turns are its prompt), so every
answer is trained on once and nothing the user said ever is.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchlab.backends.images import image_bytes, open_image
from benchlab.errors import DataError
from benchlab.requests import Media
from benchlab.tasks.base import TrainingPair

__all__ = [
    "VisionRow",
    "chat_rows",
    "lazy_dataset",
    "pair_rows",
    "row_lengths",
    "trl_row",
]

_IMAGE_PLACEHOLDER = "<image>"


@dataclass(frozen=True)
class VisionRow:
    """One training row: prompt messages (structured content), the answer, the images."""

    id: str
    prompt: tuple[Mapping[str, Any], ...]
    completion: str
    media: tuple[Media, ...]


def _user_turn(text: str, n_images: int) -> dict[str, Any]:
    """A user message as evaluation builds it: the images first, then the text."""
    content = [{"type": "image"}] * n_images + [{"type": "text", "text": text}]
    return {"role": "user", "content": content}


def pair_rows(pairs: Sequence[TrainingPair], *, prefix: str = "train") -> list[VisionRow]:
    """Rows of a task's training pairs: the prompt as the user turn with the pair's media."""
    return [
        VisionRow(f"{prefix}[{i}]", (_user_turn(p.prompt, len(p.media)),), p.target, p.media)
        for i, p in enumerate(pairs)
    ]


def _text_of(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(part.get("text") or "" for part in content or () if part.get("type") == "text")


def chat_rows(row_id: str, chat: Mapping[str, Any]) -> list[VisionRow]:
    """Rows of one chat-format conversation ({"messages", "images"}), one per assistant turn.

    Image parts stay where the conversation puts them; text parts lose a literal `<image>`
    placeholder (the image part stands for it). Image entries are paths or `Media`.
    """
    images = chat.get("images") or ()
    media = tuple(m if isinstance(m, Media) else Media(path=str(m)) for m in images)
    messages = [_clean(m) for m in chat["messages"]]
    rows = []
    for k, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        answer = _text_of(message).strip()
        if not answer:
            raise DataError(f"row {row_id!r}: assistant turn {k} is empty")
        rows.append(VisionRow(f"{row_id}#{k}", tuple(messages[:k]), answer, media))
    if not rows:
        raise DataError(f"row {row_id!r}: no assistant turn to train on")
    placed = sum(
        1 for m in messages for p in _parts(m) if isinstance(p, Mapping) and p["type"] == "image"
    )
    if placed != len(media):
        raise DataError(
            f"row {row_id!r}: {placed} image parts in the messages but {len(media)} images"
        )
    return rows


def _parts(message: Mapping[str, Any]) -> Sequence[Any]:
    content = message.get("content")
    return () if isinstance(content, str) else content or ()


def _clean(message: Mapping[str, Any]) -> dict[str, Any]:
    """A message with structured content and no literal image placeholder in its text."""
    content = message.get("content")
    if isinstance(content, str):
        content = [{"type": "text", "text": content}]
    parts = []
    for part in content or ():
        if part.get("type") == "text":
            text = str(part.get("text") or "").replace(_IMAGE_PLACEHOLDER, "").strip()
            if text:
                parts.append({"type": "text", "text": text})
        else:
            parts.append({"type": part["type"]})
    return {"role": message["role"], "content": parts}


def trl_row(row: VisionRow) -> dict[str, Any]:
    """TRL's conversational prompt-completion row, images decoded (fresh copies every call).

    TRL's collator writes the images into the messages it is given, so each call builds new ones.
    """
    return {**_messages(row), "images": [open_image(m) for m in row.media]}


def lazy_dataset(rows: Sequence[VisionRow]) -> Any:
    """A `datasets.Dataset` of row numbers whose items are built (images read) when accessed."""
    import datasets

    def materialise(batch: Mapping[str, list[int]]) -> dict[str, list[Any]]:
        built = [trl_row(rows[i]) for i in batch["row"]]
        return {key: [b[key] for b in built] for key in ("prompt", "completion", "images")}

    return datasets.Dataset.from_dict({"row": list(range(len(rows)))}).with_transform(materialise)


def row_lengths(processor: Any, rows: Sequence[VisionRow]) -> list[int]:
    """Tokens each row has after collation: prompt with expanded images, then the answer.

    Rendered as TRL's collator renders them (chat template, no special tokens added). The
    image tokens come from the processor's own count for the image's size when it has one
    (the image's header is read, not its pixels), else from processing the row in full.
    """
    from trl.data_utils import apply_chat_template

    counts_images = hasattr(processor, "_get_num_multimodal_tokens")
    lengths = []
    for row in rows:
        rendered = apply_chat_template(_messages(row), processor)
        completion = _n_tokens(processor, rendered["completion"])
        if counts_images:
            prompt = _n_tokens(processor, rendered["prompt"]) + _image_tokens(processor, row)
        else:
            images = [open_image(m) for m in row.media] or None
            text = [rendered["prompt"]]
            processed = processor(text=text, images=images, add_special_tokens=False)
            prompt = len(processed["input_ids"][0])
        lengths.append(prompt + completion)
    return lengths


def _messages(row: VisionRow) -> dict[str, Any]:
    """The row's prompt and completion messages, as new objects."""
    completion = [{"role": "assistant", "content": [{"type": "text", "text": row.completion}]}]
    return {"prompt": copy.deepcopy(list(row.prompt)), "completion": completion}


def _n_tokens(processor: Any, text: str) -> int:
    return len(processor.tokenizer(text, add_special_tokens=False)["input_ids"])


def _image_tokens(processor: Any, row: VisionRow) -> int:
    """Expanded image tokens of the row's images, less the one placeholder each is written as."""
    import io

    from PIL import Image

    sizes = []
    for media in row.media:
        with Image.open(io.BytesIO(image_bytes(media))) as image:
            sizes.append((image.height, image.width))
    if not sizes:
        return 0
    counted = processor._get_num_multimodal_tokens(image_sizes=sizes)
    return sum(counted["num_image_tokens"]) - len(sizes)
