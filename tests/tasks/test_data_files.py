"""The strict data reader: encodings, 1-based places, templates, and `datasets` errors wrapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.config.encoding import read_utf8
from benchlab.errors import DataError
from benchlab.judge.answers import read_records
from benchlab.tasks.data_checks import check_template
from benchlab.tasks.data_files import read_table
from benchlab.tasks.mc_formats import read_local_table
from benchlab.tasks.sources import DataSource, load_rows


def test_csv_places_are_1_based_lines_and_count_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('text,label\n"two\nlines",a\n\nplain,b\n', encoding="utf-8")
    table = read_table(path)
    assert [row["text"] for row in table.rows] == ["two\nlines", "plain"]
    # header on line 1, the quoted row spans lines 2-3, a blank line 4, the next row on line 5
    assert [table.where(i) for i in range(2)] == ["line 2 (data row 1)", "line 5 (data row 2)"]


def test_tsv_is_read_verbatim_like_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "d.tsv"
    path.write_text('sentence\tlabel\nit "works\t1\n', encoding="utf-8")
    assert read_table(path).rows == ({"sentence": 'it "works', "label": "1"},)


def test_jsonl_places_count_blank_lines_and_json_items_are_numbered(tmp_path: Path) -> None:
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text('{"a": 1}\n\n{"a": 2}\n', encoding="utf-8")
    assert [read_table(jsonl).where(i) for i in range(2)] == ["line 1", "line 3"]
    array = tmp_path / "d.json"
    array.write_text('[{"a": 1}, {"a": 2}]', encoding="utf-8")
    assert read_table(array).where(1) == "item 2"


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xef\xbb\xbftext,label\nhi,a\n")
    assert read_table(path).columns == ("text", "label")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ok\ncaf\xe9\n".encode("cp1252"), r"looks like latin-1 / Windows-1252 at line 2"),
        ("a,b\n1,2\n".encode("utf-16-be"), r"looks like UTF-16 at line 1"),
        (b"\x00\x01\x02\x03\xff\xfe\x00", r"binary data"),
    ],
)
def test_encodings_are_named_with_the_fix(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(raw)
    with pytest.raises(DataError, match=expected + r".*UTF-8"):
        read_utf8(path)


def test_mmlu_csv_rows_know_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "algebra_test.csv"
    path.write_text("q1,a,b,c,d,A\n\nq2,a,b,c,d\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"algebra_test\.csv: line 3 has 5 fields"):
        read_local_table(path)


@pytest.mark.parametrize(
    ("template", "fields", "ok"),
    [
        ("{text}\nLabel:", ("text",), True),
        ("{{literal}} {text}", ("text",), True),
        ("{text} / {text_pair}", ("text", "text_pair"), True),
        ("{text_pair}", ("text",), False),
        ("{text!z}", ("text",), False),
    ],
)
def test_templates_format_against_their_fields(template: str, fields, ok: bool) -> None:
    if ok:
        check_template(template, fields, "template")
    else:
        with pytest.raises(DataError, match=r"^template "):
            check_template(template, fields, "template")


def test_datasets_errors_never_reach_the_user_raw(tmp_path: Path) -> None:
    # datasets.load_dataset fails on this file with a DatasetGenerationError; the message is
    # the strict reader's, naming the file and the line
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": }\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"d\.jsonl: line 2 is not valid JSON"):
        load_rows(DataSource(path=str(path)))


def test_judge_records_refuse_latin1_by_line(tmp_path: Path) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_bytes(
        '{"id": "1", "prompt": "ok"}\n{"id": "2", "prompt": "caf\xe9"}\n'.encode("cp1252")
    )
    with pytest.raises(DataError, match=r"prompts\.jsonl: not UTF-8 .* at line 2"):
        read_records(path)
