"""VLM training rows and TRL's vision collator: the loss covers the answer only, nothing is cut."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchlab.methods.training.vision import fitting_vision_rows, vision_collator
from benchlab.methods.training.vision_rows import VisionRow, chat_rows, pair_rows, row_lengths
from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.quickstart.shapes_data import CAPTION_PROMPT
from benchlab.requests import Media
from benchlab.tasks.base import TrainingPair
from benchlab.tasks.registry import build_task


@pytest.fixture(scope="module")
def processor(tiny_vlm_dir: Path) -> Any:
    from transformers import AutoProcessor

    return AutoProcessor.from_pretrained(tiny_vlm_dir)


@pytest.fixture(scope="module")
def caption_pairs() -> list[TrainingPair]:
    task = build_task(
        "caption",
        "shapes",
        {
            "references": str(resolve_builtin_data("builtin:shapes-captions/eval.json")),
            "images": str(resolve_builtin_data("builtin:shapes-images/eval")),
            "train_references": str(resolve_builtin_data("builtin:shapes-captions/train.json")),
            "train_images": str(resolve_builtin_data("builtin:shapes-images/train")),
        },
    )
    assert task.has_train_split()
    return task.training_pairs(task.load_split("train")[:4])


def test_caption_train_split_gives_image_prompt_and_first_reference(
    caption_pairs: list[TrainingPair],
) -> None:
    import json

    coco = json.loads(resolve_builtin_data("builtin:shapes-captions/train.json").read_text())
    first = {}
    for note in coco["annotations"]:
        first.setdefault(note["image_id"], note["caption"])
    names = {image["id"]: image["file_name"] for image in coco["images"]}
    for image_id, pair in enumerate(caption_pairs):  # file order: image ids 0, 1, 2, 3
        assert pair.prompt == CAPTION_PROMPT
        assert pair.target == first[image_id]
        assert len(pair.media) == 1 and Path(pair.media[0].path).name == names[image_id]


def test_caption_task_without_train_files_has_no_train_split() -> None:
    task = build_task(
        "caption",
        "shapes",
        {"references": "x.json", "images": "imgs"},
    )
    assert not task.has_train_split()


def _prompt_ids(processor: Any, row: VisionRow) -> list[int]:
    """The prompt as evaluation builds it (chat template, image expanded), independently."""
    from benchlab.backends.hf_vlm import vlm_prompt
    from benchlab.backends.images import open_image

    text = vlm_prompt(processor, row.prompt[0]["content"][-1]["text"], len(row.media))
    images = [open_image(m) for m in row.media]
    return list(processor(text=[text], images=images)["input_ids"][0])


def test_collated_batch_puts_no_loss_on_prompt_or_image_tokens(
    processor: Any, caption_pairs: list[TrainingPair]
) -> None:
    from benchlab.methods.training.vision_rows import trl_row

    rows = pair_rows(caption_pairs)
    batch = vision_collator(processor)([trl_row(row) for row in rows])
    image_id = processor.tokenizer.convert_tokens_to_ids(processor.image_token)
    tokenizer = processor.tokenizer
    assert batch["pixel_values"].shape[0] == len(rows)
    for k, (row, pair) in enumerate(zip(rows, caption_pairs, strict=True)):
        mask = batch["attention_mask"][k].bool()
        ids = batch["input_ids"][k][mask].tolist()
        labels = batch["labels"][k][mask].tolist()
        prompt = _prompt_ids(processor, row)
        # the sequence is the evaluation prompt, then the answer with its end of turn
        assert ids[: len(prompt)] == prompt
        answer = tokenizer(f" {pair.target}</s>\n", add_special_tokens=False)["input_ids"]
        assert ids[len(prompt) :] == answer
        # every prompt token, image tokens included, carries no loss; every answer token does
        assert labels[: len(prompt)] == [-100] * len(prompt)
        assert labels[len(prompt) :] == answer
        images = [i for i, token in enumerate(ids) if token == image_id]
        assert len(images) == 64 and all(labels[i] == -100 for i in images)
        assert tokenizer.decode(labels[len(prompt) :]).strip() == f"{pair.target}</s>"
    assert (batch["labels"][~batch["attention_mask"].bool()] == -100).all()  # padding too


def test_row_lengths_equal_the_collated_lengths(
    processor: Any, caption_pairs: list[TrainingPair]
) -> None:
    from benchlab.methods.training.vision_rows import trl_row

    rows = pair_rows(caption_pairs)
    collated = [
        int(vision_collator(processor)([trl_row(row)])["attention_mask"].sum()) for row in rows
    ]
    assert row_lengths(processor, rows) == collated


def test_long_rows_are_left_out_by_name_and_never_cut(
    processor: Any, caption_pairs: list[TrainingPair]
) -> None:
    from benchlab.errors import DataError

    rows = pair_rows(caption_pairs)
    long = VisionRow("long-one", rows[0].prompt, "word " * 60, rows[0].media)
    lengths = row_lengths(processor, [*rows, long])
    limit = max(lengths[:-1])
    logged: list[str] = []
    context = _Context(logged)
    kept = fitting_vision_rows(context, processor, [*rows, long], limit)  # type: ignore[arg-type]
    assert kept == rows
    assert "long-one" in logged[0] and f"({lengths[-1]} tokens)" in logged[0]
    with pytest.raises(DataError, match="no training row fits max_length 20"):
        fitting_vision_rows(context, processor, rows, 20)  # type: ignore[arg-type]


class _Context:
    """The two fields `fitting_vision_rows` reads from a method context."""

    def __init__(self, logged: list[str]) -> None:
        self.log = logged.append
        self.spec = type("Spec", (), {"id": "exp"})()


def test_llava_conversation_gives_one_row_per_answer_with_earlier_turns_as_prompt() -> None:
    chat = {
        "messages": [
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Q1"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "A1"}]},
            {"role": "user", "content": [{"type": "text", "text": "<image>\nQ2"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "A2"}]},
        ],
        "images": ["pic.png"],
    }
    rows = chat_rows("r1", chat)
    assert [r.id for r in rows] == ["r1#1", "r1#3"]
    assert [r.completion for r in rows] == ["A1", "A2"]
    assert len(rows[0].prompt) == 1 and len(rows[1].prompt) == 3
    assert rows[1].prompt[2] == {"role": "user", "content": [{"type": "text", "text": "Q2"}]}
    assert rows[0].media == (Media(path="pic.png"),)


def test_mmbench_train_tsv_gives_image_prompt_and_answer_letter() -> None:
    import csv

    from benchlab.backends.images import open_image
    from benchlab.tasks.mmbench import mmbench_prompt, read_mmbench_tsv

    train = resolve_builtin_data("builtin:shapes-mcq/train.tsv")
    evaluation = resolve_builtin_data("builtin:shapes-mcq/eval.tsv")
    task = build_task("mmbench", "shapes-mcq", {"path": str(evaluation), "train_path": str(train)})
    assert task.has_train_split()
    pairs = task.training_pairs(task.load_split("train"))
    with train.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(pairs) == len(rows) == 320
    questions = read_mmbench_tsv(train)
    for pair, row, question in zip(pairs[:5], rows, questions, strict=False):
        assert pair.target == row["answer"] and pair.target in "ABCD"
        assert pair.prompt == mmbench_prompt(question) and row["question"] in pair.prompt
        assert open_image(pair.media[0]).size == (64, 64)
    assert not build_task("mmbench", "eval-only", {"path": str(train)}).has_train_split()
