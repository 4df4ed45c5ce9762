"""LLaVA conversation rows (LLaVA-Instruct, LLaVA-CoT-100k) and TRL's vision chat format.

A row is `{"id", "image", "conversations": [{"from": "human", "value": ...}, {"from": "gpt",
"value": ...}, ...]}`. The `<image>` placeholder in a human turn is optional (at most one per
row); `image` is a path relative to the image root. Without an image root, a local file's
image paths are read relative to the file's own folder; hub rows (e.g. `Xkev/LLaVA-CoT-100k`,
whose images ship as `image.zip.part-*` to join and unzip) need the unzipped folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from benchlab.errors import DataError

__all__ = [
    "IMAGE_PLACEHOLDER",
    "ROLES",
    "LlavaRow",
    "llava_chat_row",
    "parse_llava_row",
    "read_llava",
    "row_label",
    "structure_problems",
]

IMAGE_PLACEHOLDER = "<image>"
#: LLaVA's `from` values (and the chat roles, accepted as is) mapped to chat roles.
ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}


@dataclass(frozen=True)
class LlavaRow:
    """One conversation: its id, the image file (None for text-only), (role, text) turns."""

    id: str
    image: Path | None
    turns: tuple[tuple[str, str], ...]


def row_label(where: str, raw: Any) -> str:
    """'line 3 (id "x")': where a row is, and its id when it has one, for messages."""
    row_id = raw.get("id") if isinstance(raw, dict) else None
    return f"{where} (id {str(row_id)!r})" if row_id not in (None, "") else where


def structure_problems(raw: Any) -> list[tuple[str, str]]:
    """(kind, phrase) for everything wrong with a row's own fields (not its image file)."""
    if not isinstance(raw, dict):
        return [("not_object", f"row is not a JSON object (got {type(raw).__name__})")]
    problems: list[tuple[str, str]] = []
    if raw.get("id") in (None, ""):
        problems.append(("missing_id", "missing 'id'"))
    image = raw.get("image")
    if image is not None and (not isinstance(image, str) or not image.strip()):
        problems.append(("image_field", f"'image' must be a non-empty path string, got {image!r}"))
    turns = raw.get("conversations")
    if not isinstance(turns, list) or not turns:
        what = "missing" if turns is None else f"not a non-empty list ({type(turns).__name__})"
        return [*problems, ("conversations", f"'conversations' {what}")]
    roles = []
    for number, turn in enumerate(turns, start=1):
        if not isinstance(turn, dict):
            problems.append(("conversations", f"turn {number} is not an object"))
        elif turn.get("from") not in ROLES:
            problems.append(
                (
                    "unknown_role",
                    f"turn {number}: unknown role 'from': {turn.get('from')!r}; use human or gpt",
                )
            )
        elif not isinstance(turn.get("value"), str):
            problems.append(("conversations", f"turn {number}: 'value' is not a string"))
        else:
            roles.append(ROLES[turn["from"]])
    if len(roles) < len(turns):
        return problems
    if roles[0] != "user":
        problems.append(("first_turn", "first turn is not from the human"))
    elif any(a == b for a, b in pairwise(roles)):
        problems.append(("not_alternating", "turns do not alternate human / gpt"))
    answers = [n for n, t in enumerate(turns, start=1) if ROLES[t["from"]] == "assistant"]
    empty = [n for n in answers if not turns[n - 1]["value"].strip()]
    if not answers:
        problems.append(("no_answer", "no answer (no gpt turn)"))
    elif empty:
        problems.append(("no_answer", f"turn {empty[0]}: empty answer"))
    placeholders = sum(t["value"].count(IMAGE_PLACEHOLDER) for t in turns)
    if placeholders > 1:
        problems.append(
            ("placeholder", f"{placeholders} '<image>' placeholders; at most one per row")
        )
    elif placeholders == 1 and image is None:
        problems.append(("placeholder", "'<image>' placeholder but no 'image' field"))
    elif placeholders == 1 and not any(
        IMAGE_PLACEHOLDER in t["value"] for t in turns if ROLES[t["from"]] == "user"
    ):
        problems.append(("placeholder", "'<image>' placeholder in a gpt turn"))
    return problems


def _clean(text: str) -> str:
    return text.replace(IMAGE_PLACEHOLDER, "").strip()


def parse_llava_row(raw: Any, *, image_root: Path | None) -> LlavaRow:
    """A checked row with roles normalised and the placeholder removed (ValueError if bad)."""
    problems = structure_problems(raw)
    if problems:
        raise ValueError(problems[0][1])
    image = None
    if raw.get("image") is not None:
        if image_root is None:
            raise ValueError("row has an image but no image folder was given")
        image = image_root / raw["image"]
    turns = tuple((ROLES[t["from"]], _clean(t["value"])) for t in raw["conversations"])
    return LlavaRow(str(raw["id"]), image, turns)


def _local_rows(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, parsed row) for each row of a .jsonl or .json list file."""
    if path.suffix.lower() == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield f"line {number}", json.loads(line)
                except ValueError as error:
                    raise DataError(f"{path}: line {number}: not valid JSON ({error})") from None
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise DataError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of LLaVA rows, got {type(data).__name__}")
    for number, raw in enumerate(data, start=1):
        yield f"row {number}", raw


def _hub_rows(source: str, split: str, revision: str | None) -> Iterator[tuple[str, Any]]:
    from datasets import load_dataset

    try:
        dataset = load_dataset(source, split=split, revision=revision)
    except (FileNotFoundError, ValueError, ConnectionError, OSError) as error:
        raise DataError(
            f"cannot load hub dataset {source!r} split {split!r}: {error}; give a local "
            ".json / .jsonl file instead when offline"
        ) from error
    for number, raw in enumerate(dataset, start=1):
        yield f"row {number}", raw


def _is_local(source: str) -> bool:
    return Path(source).exists() or source.lower().endswith((".json", ".jsonl"))


def read_llava(
    source: str, *, images: str | None, split: str = "train", revision: str | None = None
) -> list[LlavaRow]:
    """Rows of a local .json (list) / .jsonl file or a hub dataset, images resolved and checked.

    Raises DataError naming the file, the row (line or row number, and id) and the problem:
    a malformed row, a duplicate id, a missing image file, or no image folder for hub rows.
    """
    local = _is_local(source)
    if local:
        path = Path(source)
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        if path.suffix.lower() not in (".json", ".jsonl"):
            raise DataError(f"{path}: unknown format {path.suffix!r}; use .json or .jsonl")
        root = Path(images) if images is not None else path.parent
        rows, label = _local_rows(path), str(path)
    else:
        root = Path(images) if images is not None else None
        rows = _hub_rows(source, split, revision)
        label = f"{source} ({split})"
    if root is not None and not root.is_dir():
        raise DataError(f"{label}: image folder {root} does not exist")
    parsed: list[LlavaRow] = []
    seen: set[str] = set()
    for where, raw in rows:
        try:
            row = parse_llava_row(raw, image_root=root)
        except ValueError as error:
            hint = ""
            if root is None:
                hint = "; unzip the dataset's images and pass their folder (images / --images)"
            raise DataError(f"{label}: {row_label(where, raw)}: {error}{hint}") from None
        if row.id in seen:
            raise DataError(f"{label}: {row_label(where, raw)}: duplicate id")
        seen.add(row.id)
        if row.image is not None and not row.image.is_file():
            raise DataError(f"{label}: {row_label(where, raw)}: image file {row.image} not found")
        parsed.append(row)
    if not parsed:
        raise DataError(f"{label}: no rows")
    return parsed


def llava_chat_row(row: LlavaRow) -> dict[str, Any]:
    """TRL's vision conversational format; the image goes with the first user turn only."""
    messages: list[dict[str, Any]] = []
    pending_image = row.image is not None
    for role, text in row.turns:
        content: list[dict[str, Any]] = []
        if pending_image and role == "user":
            content.append({"type": "image"})
            pending_image = False
        content.append({"type": "text", "text": text})
        messages.append({"role": role, "content": content})
    chat: dict[str, Any] = {"messages": messages}
    if row.image is not None:
        chat["images"] = [str(row.image)]
    return chat
