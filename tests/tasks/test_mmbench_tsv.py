"""Reading MMBench-style TSVs: fields, empty options, lazy images, shared images, bad files."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from benchlab.errors import DataError
from benchlab.quickstart.resources import resolve_builtin_data
from benchlab.tasks.mmbench import mmbench_prompt, question_from_record, read_mmbench_tsv
from tests.tasks.mmbench_fixtures import HEADER, png_base64, rows, write_tsv


def test_fields_options_and_images(tmp_path: Path) -> None:
    questions = read_mmbench_tsv(write_tsv(tmp_path / "mm.tsv"))
    assert [q.index for q in questions] == [1, 2, 3, 4, 5, 6]
    first, second = questions[0], questions[1]
    assert first.options == {"A": "cat", "B": "dog", "C": "bird", "D": "fish"}
    assert second.options == {"A": "red", "B": "green", "C": "blue"}  # empty D dropped
    assert (second.hint, first.hint) == ("Look closely.", None)
    assert (first.category, first.l2_category, first.answer) == ("animals", "perception", "C")
    assert questions[4].options["A"] == 'print(1)\n\tprint("x")'  # quoted, multi-line, tabbed
    assert first.image.read_bytes() == base64.b64decode(png_base64((255, 0, 0)))
    assert second.image.open().getpixel((0, 0)) == (0, 0, 255)
    # row 6's image cell is "1": VLMEvalKit's reference to row 1's image
    assert questions[5].image == first.image
    assert questions[5].image.sha256() == first.image.sha256() != second.image.sha256()


def test_quoted_tabbed_last_column_and_na_like_text(tmp_path: Path) -> None:
    """A quoted last cell with a tab still parses; "None" or "NA" stay option text."""
    path = tmp_path / "q.tsv"
    path.write_text(
        'index\tquestion\tA\tB\tanswer\tcategory\n7\tq\tNone\tNA\tA\t"x\ty"\n',
        encoding="utf-8",
    )
    (question,) = read_mmbench_tsv(path)
    assert question.options == {"A": "None", "B": "NA"}  # pandas would read both as NaN
    assert (question.category, question.image) == ("x\ty", None)


def test_rows_do_not_hold_image_data(tmp_path: Path) -> None:
    questions = read_mmbench_tsv(write_tsv(tmp_path / "mm.tsv"))
    encoded = png_base64((255, 0, 0))
    assert all(encoded not in repr(q) and encoded not in repr(q.__dict__) for q in questions)


def test_prompt_matches_vlmevalkit_layout(tmp_path: Path) -> None:
    second = read_mmbench_tsv(write_tsv(tmp_path / "mm.tsv"))[1]
    assert mmbench_prompt(second) == (
        "Hint: Look closely.\nQuestion: What colour is it?\nOptions:\nA. red\nB. green\n"
        "C. blue\nPlease select the correct answer from the options above. \n"
    )


def test_ccbench_layout_without_l2_category(tmp_path: Path) -> None:
    path = tmp_path / "cc.tsv"
    path.write_text(
        "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\timage\n"
        f"0\t这是哪里?\t\t天坛\t故宫\t黄鹤楼\t少林寺\tA\t风景与建筑\t{png_base64((1, 2, 3))}\n",
        encoding="utf-8",
    )
    (question,) = read_mmbench_tsv(path)
    assert (question.category, question.l2_category, question.options["C"]) == (
        "风景与建筑",
        None,
        "黄鹤楼",
    )


def test_shapes_mcq_reads_like_mmbench() -> None:
    questions = read_mmbench_tsv(resolve_builtin_data("builtin:shapes-mcq/eval.tsv"))
    assert len(questions) == 96
    assert {len(q.options) for q in questions} == {2, 4}
    assert all(q.answer in q.options for q in questions)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: [row[:3] + row[4:] for row in t], "fields"),
        (lambda t: [["x", *t[0][1:]], *t[1:]], "not an integer"),
        (lambda t: [t[0], t[0]], "appears twice"),
        (lambda t: [[*t[0][:-1], "99"]], "refers to row 99"),
        (lambda t: [[*t[0][:-1], "abc"]], "neither base64 nor the index"),
        (lambda t: [[*t[0][:-1], "1\t2"]], r"image cell '1\\t2' is neither"),  # quoted cell
    ],
)
def test_bad_rows_name_the_problem(tmp_path: Path, mutate, message: str) -> None:
    path = write_tsv(tmp_path / "bad.tsv", mutate(rows()))
    with pytest.raises(DataError, match=message):
        read_mmbench_tsv(path)


def test_bad_files_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_mmbench_tsv(tmp_path / "absent.tsv")
    (tmp_path / "cols.tsv").write_text("index\tquestion\tA\n1\tq\tx\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"missing column\(s\) \['B'\]"):
        read_mmbench_tsv(tmp_path / "cols.tsv")
    (tmp_path / "open.tsv").write_text("\t".join(HEADER) + '\n1\t"open\n', encoding="utf-8")
    with pytest.raises(DataError, match="quoted field"):
        read_mmbench_tsv(tmp_path / "open.tsv")


def test_hub_style_records_with_nan_cells() -> None:
    record = {
        "index": 3.0,
        "question": "Q?",
        "hint": float("nan"),
        "A": "x",
        "B": "y",
        "C": float("nan"),
        "D": None,
        "answer": "B",
        "category": "c",
        "l2-category": "l2",
        "split": "dev",
    }
    question = question_from_record(record)
    assert (question.index, question.options, question.hint) == (3, {"A": "x", "B": "y"}, None)
    assert (question.answer, question.split, question.image) == ("B", "dev", None)
    with pytest.raises(DataError, match="row: no question text"):
        question_from_record({**record, "question": float("nan")})
