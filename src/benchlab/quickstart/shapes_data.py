"""The shapes data sets on disk: COCO-style captions, LLaVA-CoT conversations, MMBench-style TSV.

All three describe the same images, in the formats a user's own data would come in, so the task
readers are exercised exactly as on real data.
"""

from __future__ import annotations

import base64
import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from benchlab.quickstart.shapes import (
    COLOURS,
    IMAGE_SIZE,
    SHAPES,
    SIZES,
    ShapeScene,
    draw_scene,
    references,
    sample_scenes,
    shapes_corpus,
)

__all__ = [
    "CAPTION_PROMPT",
    "MCQ_COLUMNS",
    "SHAPES_SPLIT_SIZES",
    "ShapeQuestion",
    "choice_question",
    "cot_answer",
    "vlm_corpus",
    "write_shapes_split",
]

SHAPES_SPLIT_SIZES = {"train": 320, "eval": 96}
CAPTION_PROMPT = "Provide a one-sentence caption for the provided image."
MCQ_COLUMNS = (
    "index",
    "question",
    "hint",
    "A",
    "B",
    "C",
    "D",
    "answer",
    "category",
    "l2-category",
    "image",
)
_LETTERS = "ABCD"
# kind -> (question, category, l2-category)
_KINDS = {
    "shape": ("What shape is in the image?", "shape_recognition", "object_perception"),
    "colour": ("What colour is the shape?", "colour_recognition", "colour_perception"),
    "background": ("What colour is the background?", "background_colour", "colour_perception"),
    "size": ("Is the shape small or large?", "size_recognition", "object_perception"),
}


@dataclass(frozen=True)
class ShapeQuestion:
    """A multiple-choice question about one attribute of a scene, with its right letter."""

    question: str
    options: dict[str, str]
    answer: str
    category: str
    l2_category: str

    def prompt(self) -> str:
        """The question, one 'X. option' line per option, and the instruction to answer."""
        lines = [self.question, *(f"{k}. {v}" for k, v in self.options.items())]
        return "\n".join([*lines, "Answer with the option's letter."])


def choice_question(scene: ShapeScene, kind: str, rng: random.Random) -> ShapeQuestion:
    """A question about `kind` (shape, colour, background, size): options shuffled by `rng`."""
    right = {
        "shape": scene.shape,
        "colour": scene.colour,
        "background": scene.background,
        "size": scene.size,
    }[kind]
    pool = {"shape": SHAPES, "colour": tuple(COLOURS), "background": tuple(COLOURS), "size": SIZES}
    wrong = [option for option in pool[kind] if option != right]
    options = [right, *rng.sample(wrong, min(3, len(wrong)))]
    rng.shuffle(options)
    question, category, l2_category = _KINDS[kind]
    return ShapeQuestion(
        question=question,
        options=dict(zip(_LETTERS, options, strict=False)),
        answer=_LETTERS[options.index(right)],
        category=category,
        l2_category=l2_category,
    )


def cot_answer(scene: ShapeScene, item: ShapeQuestion | None) -> str:
    """A LLaVA-CoT answer (SUMMARY, CAPTION, REASONING, CONCLUSION) for a caption or a question."""
    caption = f"<CAPTION>The image shows {scene.caption()}.</CAPTION>"
    if item is None:
        return (
            "<SUMMARY>I will name the shape, its colour, its size and the background.</SUMMARY>"
            f"{caption}<REASONING>The shape is a {scene.shape}. It is {scene.colour} and "
            f"{scene.size}, and the background is {scene.background}.</REASONING>"
            f"<CONCLUSION>{scene.caption()}</CONCLUSION>"
        )
    return (
        "<SUMMARY>I will look at the image and match what I see to one option.</SUMMARY>"
        f"{caption}<REASONING>{item.question} It is {item.options[item.answer]}, which is "
        f"option {item.answer}.</REASONING><CONCLUSION>{item.answer}</CONCLUSION>"
    )


def write_shapes_split(directory: Path, split: str, *, size: int, seed: int = 0) -> Path:
    """Write images/, captions.json (COCO), llava_cot.jsonl and mcq.tsv for one split."""
    directory = Path(directory)
    (directory / "images").mkdir(parents=True, exist_ok=True)
    scenes = sample_scenes(size, seed=seed, salt=split)
    rng = random.Random(f"shapes-questions-{split}-{seed}")
    images, annotations, conversations, mcq_rows = [], [], [], []
    kinds = list(_KINDS)
    for image_id, scene in enumerate(scenes):
        name = f"shapes-{split}-{image_id:04d}.png"
        draw_scene(scene).save(directory / "images" / name, format="PNG")
        images.append(
            {"id": image_id, "file_name": name, "width": IMAGE_SIZE, "height": IMAGE_SIZE}
        )
        for text in references(scene):
            annotations.append({"id": len(annotations), "image_id": image_id, "caption": text})
        item = choice_question(scene, kinds[image_id % len(kinds)], rng)
        asks_choice = image_id % 2 == 1
        human = item.prompt() if asks_choice else CAPTION_PROMPT
        conversations.append(
            {
                "id": f"shapes-{split}-{image_id:04d}",
                "image": f"images/{name}",
                "conversations": [
                    {"from": "human", "value": f"<image>\n{human}"},
                    {"from": "gpt", "value": cot_answer(scene, item if asks_choice else None)},
                ],
            }
        )
        encoded = base64.b64encode((directory / "images" / name).read_bytes()).decode("ascii")
        mcq_rows.append(
            [
                image_id,
                item.question,
                "The image shows one shape." if image_id % 5 == 0 else "",
                *(item.options.get(letter, "") for letter in _LETTERS),
                item.answer,
                item.category,
                item.l2_category,
                encoded,
            ]
        )
    coco = {
        "info": {"description": f"benchlab synthetic shapes captions ({split}, seed {seed})"},
        "images": images,
        "annotations": annotations,
    }
    (directory / "captions.json").write_text(json.dumps(coco, indent=1), encoding="utf-8")
    (directory / "llava_cot.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in conversations),
        encoding="utf-8",
    )
    with (directory / "mcq.tsv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
        writer.writerow(MCQ_COLUMNS)
        writer.writerows(mcq_rows)
    return directory


def vlm_corpus() -> list[str]:
    """Text for the tiny VLM's tokenizer: shapes captions, prompts, questions and trace tags."""
    rng = random.Random(1)
    lines = list(shapes_corpus())
    for scene in sample_scenes(40, seed=1, salt="corpus"):
        for kind in _KINDS:
            item = choice_question(scene, kind, rng)
            lines.extend([item.prompt(), cot_answer(scene, item)])
        lines.append(cot_answer(scene, None))
    lines.extend([CAPTION_PROMPT] * 20)
    return lines
