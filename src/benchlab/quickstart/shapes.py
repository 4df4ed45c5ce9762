"""Synthetic scenes (one coloured shape on a coloured background) drawn with Pillow.

A scene is fully described by five words, so templated references are correct by construction
and a tiny vision-language model can learn to caption it in minutes on a CPU.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "COLOURS",
    "IMAGE_SIZE",
    "POSITIONS",
    "SHAPES",
    "SIZES",
    "ShapeScene",
    "draw_scene",
    "references",
    "sample_scenes",
    "shapes_corpus",
]

IMAGE_SIZE = 64

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 210, 40),
    "purple": (140, 60, 180),
    "orange": (245, 140, 30),
    "white": (245, 245, 245),
    "black": (20, 20, 20),
}
SHAPES = ("circle", "square", "triangle", "diamond")
SIZES = ("small", "large")
POSITIONS = ("left", "centre", "right")

_SHAPE_WORDS = {
    "circle": "round",
    "square": "four-sided",
    "triangle": "three-sided",
    "diamond": "tilted square",
}


@dataclass(frozen=True)
class ShapeScene:
    """What one synthetic image shows: the shape, its colour, the background, size, position."""

    shape: str
    colour: str
    background: str
    size: str
    position: str

    def caption(self) -> str:
        """The canonical caption, e.g. 'a small red circle on a blue background'."""
        return f"a {self.size} {self.colour} {self.shape} on a {self.background} background"


def sample_scenes(count: int, *, seed: int, salt: str = "") -> list[ShapeScene]:
    """`count` scenes drawn from a seeded generator; shape and colour never match the background."""
    rng = random.Random(f"shapes-{salt}-{seed}")
    scenes = []
    for i in range(count):
        shape = SHAPES[i % len(SHAPES)]  # balanced shapes, random everything else
        colour, background = rng.sample(sorted(COLOURS), 2)
        scenes.append(
            ShapeScene(shape, colour, background, rng.choice(SIZES), rng.choice(POSITIONS))
        )
    rng.shuffle(scenes)
    return scenes


def draw_scene(scene: ShapeScene, *, size: int = IMAGE_SIZE) -> Image.Image:
    """Render a scene as an RGB image of `size` x `size` pixels."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), COLOURS[scene.background])
    draw = ImageDraw.Draw(image)
    radius = size * (0.18 if scene.size == "small" else 0.32)
    centre_x = {"left": 0.3, "centre": 0.5, "right": 0.7}[scene.position] * size
    centre_y = size / 2
    left, top = centre_x - radius, centre_y - radius
    right, bottom = centre_x + radius, centre_y + radius
    fill = COLOURS[scene.colour]
    if scene.shape == "circle":
        draw.ellipse((left, top, right, bottom), fill=fill)
    elif scene.shape == "square":
        draw.rectangle((left, top, right, bottom), fill=fill)
    elif scene.shape == "triangle":
        draw.polygon([(centre_x, top), (right, bottom), (left, bottom)], fill=fill)
    elif scene.shape == "diamond":
        points = [(centre_x, top), (right, centre_y), (centre_x, bottom), (left, centre_y)]
        draw.polygon(points, fill=fill)
    else:
        raise ValueError(f"unknown shape {scene.shape!r}; known: {SHAPES}")
    return image


def references(scene: ShapeScene) -> list[str]:
    """Five templated reference captions, worded differently like COCO's five annotators."""
    s = scene
    where = "in the middle" if s.position == "centre" else f"on the {s.position}"
    return [
        s.caption(),
        f"a {s.colour} {s.shape} {where} of a {s.background} image",
        f"a {s.background} background with a {s.size} {s.colour} {s.shape}",
        f"there is a {s.colour} {_SHAPE_WORDS[s.shape]} shape on a {s.background} background",
        f"a picture of a {s.size} {s.colour} {s.shape} against {s.background}",
    ]


def shapes_corpus() -> list[str]:
    """Every word the shapes captions use, for training the tiny tokenizers."""
    rng = random.Random(0)
    lines = []
    for scene in sample_scenes(200, seed=0, salt="corpus"):
        lines.extend(references(scene))
    words = " ".join([*COLOURS, *SHAPES, *SIZES, *POSITIONS, *_SHAPE_WORDS.values()])
    lines.extend([words] * 20)
    rng.shuffle(lines)
    return lines
