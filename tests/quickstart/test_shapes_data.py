"""The generated shapes data: pixels agree with the references, files read like real data."""

from __future__ import annotations

import base64
import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from benchlab.errors import ConfigError
from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.quickstart.sample_images import bundled_photographs
from benchlab.quickstart.shapes import COLOURS, ShapeScene, draw_scene, references, sample_scenes
from benchlab.quickstart.shapes_data import MCQ_COLUMNS, SHAPES_SPLIT_SIZES


@pytest.fixture(scope="module")
def eval_split() -> Path:
    return resolve_builtin_data("builtin:shapes-captions/eval.json").parent


def _scene_from_caption(caption: str) -> ShapeScene:
    # "a {size} {colour} {shape} on a {background} background"
    words = caption.split()
    return ShapeScene(words[3], words[2], words[6], words[1], "centre")


def test_scenes_are_seeded_and_balanced() -> None:
    first, again = sample_scenes(40, seed=3, salt="x"), sample_scenes(40, seed=3, salt="x")
    assert first == again
    assert first != sample_scenes(40, seed=4, salt="x")
    assert set(Counter(s.shape for s in first).values()) == {10}
    assert all(s.colour != s.background for s in first)


@pytest.mark.parametrize("shape", ["circle", "square", "triangle", "diamond"])
def test_pixels_show_the_described_colours(shape: str) -> None:
    scene = ShapeScene(shape, "red", "blue", "large", "centre")
    image = draw_scene(scene)
    assert image.getpixel((32, 36)) == COLOURS["red"]  # inside every shape
    assert image.getpixel((1, 1)) == COLOURS["blue"]  # a corner is background
    # a circle leaves the corners of its bounding box empty; a square fills them
    corner = image.getpixel((13, 13))
    assert (corner == COLOURS["red"]) == (shape == "square")


def test_position_moves_the_shape() -> None:
    left = draw_scene(ShapeScene("square", "red", "blue", "small", "left"))
    right = draw_scene(ShapeScene("square", "red", "blue", "small", "right"))
    assert left.getpixel((19, 32)) == COLOURS["red"] != right.getpixel((19, 32))
    assert right.getpixel((45, 32)) == COLOURS["red"] != left.getpixel((45, 32))


def test_five_references_name_colour_shape_and_background() -> None:
    scene = ShapeScene("triangle", "green", "white", "small", "left")
    refs = references(scene)
    assert len(refs) == len(set(refs)) == 5
    assert refs[0] == "a small green triangle on a white background"
    assert all("green" in r and "white" in r for r in refs)


def test_coco_annotations_match_their_images(eval_split: Path) -> None:
    coco = json.loads((eval_split / "captions.json").read_text(encoding="utf-8"))
    assert len(coco["images"]) == SHAPES_SPLIT_SIZES["eval"]
    assert len(coco["annotations"]) == 5 * len(coco["images"])
    by_image: dict[int, list[str]] = {}
    for ann in coco["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann["caption"])
    for entry in coco["images"][:20]:
        scene = _scene_from_caption(by_image[entry["id"]][0])
        with Image.open(eval_split / "images" / entry["file_name"]) as image:
            assert image.size == (entry["width"], entry["height"])
            assert image.convert("RGB").getpixel((1, 1)) == COLOURS[scene.background]
            colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=4096)}
        assert COLOURS[scene.colour] in colours
    assert resolve_builtin_data("builtin:shapes-images/eval") == eval_split / "images"


def test_mcq_tsv_answers_are_right_for_the_image(eval_split: Path) -> None:
    path = resolve_builtin_data("builtin:shapes-mcq/eval.tsv")
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="\t"))
    assert tuple(rows[0]) == MCQ_COLUMNS
    coco = json.loads((eval_split / "captions.json").read_text(encoding="utf-8"))
    first_caption = {a["image_id"]: a["caption"] for a in reversed(coco["annotations"])}
    letters = Counter()
    for row in rows:
        scene = _scene_from_caption(first_caption[int(row["index"])])
        truth = {
            "shape_recognition": scene.shape,
            "colour_recognition": scene.colour,
            "background_colour": scene.background,
            "size_recognition": scene.size,
        }
        assert row[row["answer"]] == truth[row["category"]]
        letters[row["answer"]] += 1
        image = Image.open(io.BytesIO(base64.b64decode(row["image"]))).convert("RGB")
        assert image.getpixel((1, 1)) == COLOURS[scene.background]
    assert len(letters) == 4 and min(letters.values()) >= 10  # answers spread over A-D
    assert any(row["C"] == "" for row in rows)  # two-option (size) questions


def test_llava_cot_rows_point_at_images_and_carry_four_stages(eval_split: Path) -> None:
    path = resolve_builtin_data("builtin:shapes-cot/eval.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == SHAPES_SPLIT_SIZES["eval"]
    for row in rows:
        assert (path.parent / row["image"]).is_file()
        human, gpt = row["conversations"]
        assert human["from"] == "human" and human["value"].startswith("<image>\n")
        tags = [
            "<SUMMARY>",
            "</SUMMARY>",
            "<CAPTION>",
            "</CAPTION>",
            "<REASONING>",
            "</REASONING>",
            "<CONCLUSION>",
            "</CONCLUSION>",
        ]
        positions = [gpt["value"].index(tag) for tag in tags]
        assert positions == sorted(positions)


@pytest.mark.parametrize(
    "name", ["builtin:shapes-captions/test.json", "builtin:shapes-mcq/eval.json", "builtin:shapes"]
)
def test_unknown_shapes_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="built-in data"):
        resolve_builtin_data(name)


def test_bundled_photographs_open_as_real_images() -> None:
    photos = bundled_photographs()
    assert any(p.name == "grace_hopper" for p in photos)  # matplotlib is a dependency
    for photo in photos:
        with Image.open(photo.path) as image:
            assert min(image.size) >= 64
