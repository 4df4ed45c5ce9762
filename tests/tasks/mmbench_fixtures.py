"""A hand-made MMBench TSV whose right letter for every rotation is worked out by hand."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

HEADER = [
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
]

# index -> the right letter in rotation 0, 1, 2, ... (copy k: option j = old option (j+k) mod N)
EXPECTED_LETTERS = {
    1: ["C", "B", "A", "D"],  # cat dog bird fish, answer bird
    2: ["A", "C", "B"],  # red green blue (D empty), answer red
    3: ["B"],  # an option says "A and B": never rotated
    4: ["D"],  # an option is the bare letter "B": never rotated
    5: ["B", "A"],  # two options with a multi-line, quoted, tabbed option
    6: ["D", "C", "B", "A"],  # shares row 1's image by index reference
}
RIGHT_TEXT = {1: "bird", 2: "red", 3: "A and B", 4: "triangle", 5: "two", 6: "sunny"}


def png_base64(colour: tuple[int, int, int]) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def rows() -> list[list[object]]:
    red, blue = png_base64((255, 0, 0)), png_base64((0, 0, 255))
    return [
        [
            1,
            "Which animal is shown?",
            "",
            "cat",
            "dog",
            "bird",
            "fish",
            "C",
            "animals",
            "perception",
            red,
        ],
        [
            2,
            "What colour is it?",
            "Look closely.",
            "red",
            "green",
            "blue",
            "",
            "A",
            "colours",
            "perception",
            blue,
        ],
        [
            3,
            "Which are round?",
            "",
            "the sun",
            "A and B",
            "neither",
            "",
            "B",
            "logic",
            "reasoning",
            red,
        ],
        [
            4,
            "Which label is right?",
            "",
            "circle",
            "B",
            "square",
            "triangle",
            "D",
            "logic",
            "reasoning",
            blue,
        ],
        [
            5,
            'Which code prints "2"?',
            "",
            'print(1)\n\tprint("x")',
            "two",
            "",
            "",
            "B",
            "code",
            "reasoning",
            red,
        ],
        [
            6,
            "What is the weather?",
            "",
            "rainy",
            "snowy",
            "foggy",
            "sunny",
            "D",
            "weather",
            "perception",
            "1",
        ],
    ]


def write_tsv(path: Path, table: list[list[object]] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows() if table is None else table)
    return path
