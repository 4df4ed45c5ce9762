"""LLaVA rows: local JSON / JSONL and hub reading, normalisation, TRL chat rows, bad input."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from benchlab.data.llava import LlavaRow, llava_chat_row, read_llava
from benchlab.errors import DataError

ROW = {
    "id": "q1",
    "image": "shapes/one.png",
    "conversations": [
        {"from": "human", "value": "<image>\nHow many shapes?"},
        {"from": "gpt", "value": "<SUMMARY>s</SUMMARY><CONCLUSION>2</CONCLUSION>"},
        {"from": "human", "value": "Which colour?"},
        {"from": "gpt", "value": "Red."},
    ],
}
TEXT_ROW = {
    "id": "t1",
    "conversations": [{"from": "user", "value": "2+2?"}, {"from": "assistant", "value": "4"}],
}


@pytest.fixture
def images(tmp_path: Path) -> Path:
    from PIL import Image

    root = tmp_path / "images"
    (root / "shapes").mkdir(parents=True)
    Image.new("RGB", (4, 4), "red").save(root / "shapes" / "one.png")
    return root


def _jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_reads_jsonl_with_roles_normalised_and_placeholder_removed(
    tmp_path: Path, images: Path
) -> None:
    path = _jsonl(tmp_path / "train.jsonl", [ROW, TEXT_ROW])
    rows = read_llava(str(path), images=str(images))
    assert rows[0] == LlavaRow(
        "q1",
        images / "shapes" / "one.png",
        (
            ("user", "How many shapes?"),
            ("assistant", "<SUMMARY>s</SUMMARY><CONCLUSION>2</CONCLUSION>"),
            ("user", "Which colour?"),
            ("assistant", "Red."),
        ),
    )
    assert rows[1] == LlavaRow("t1", None, (("user", "2+2?"), ("assistant", "4")))


def test_reads_a_json_list_with_images_next_to_the_file(tmp_path: Path, images: Path) -> None:
    path = images / "train.json"
    path.write_text(json.dumps([ROW]), encoding="utf-8")
    (row,) = read_llava(str(path), images=None)
    assert row.image == images / "shapes" / "one.png"


def test_chat_row_is_trl_vision_format(tmp_path: Path, images: Path) -> None:
    rows = read_llava(str(_jsonl(tmp_path / "t.jsonl", [ROW, TEXT_ROW])), images=str(images))
    assert llava_chat_row(rows[0]) == {
        "messages": [
            {
                "role": "user",
                "content": [{"type": "image"}, {"type": "text", "text": "How many shapes?"}],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "<SUMMARY>s</SUMMARY><CONCLUSION>2</CONCLUSION>"}
                ],
            },
            {"role": "user", "content": [{"type": "text", "text": "Which colour?"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Red."}]},
        ],
        "images": [str(images / "shapes" / "one.png")],
    }
    assert llava_chat_row(rows[1]) == {
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "2+2?"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "4"}]},
        ]
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({**ROW, "conversations": ROW["conversations"][:1]}, "no answer"),
        ({**ROW, "id": ""}, "missing 'id'"),
        ({**ROW, "image": "shapes/missing.png"}, "missing.png not found"),
        (
            {**ROW, "conversations": [{"from": "bot", "value": "hi"}]},
            "unknown role 'from': 'bot'",
        ),
        ({**ROW, "conversations": list(reversed(ROW["conversations"]))}, "first turn"),
        ({k: v for k, v in ROW.items() if k != "conversations"}, "'conversations' missing"),
        ({**TEXT_ROW, "id": "t2", "conversations": ROW["conversations"]}, "no 'image' field"),
    ],
)
def test_bad_row_names_file_line_id_and_problem(
    tmp_path: Path, images: Path, row: dict, message: str
) -> None:
    path = _jsonl(tmp_path / "bad.jsonl", [TEXT_ROW, row])
    with pytest.raises(DataError) as error:
        read_llava(str(path), images=str(images))
    text = str(error.value)
    assert str(path) in text and "line 2" in text and message in text
    if row.get("id"):
        assert repr(row["id"]) in text


def test_invalid_json_and_duplicate_id(tmp_path: Path, images: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(TEXT_ROW) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 2: not valid JSON"):
        read_llava(str(path), images=str(images))
    _jsonl(path, [TEXT_ROW, TEXT_ROW])
    with pytest.raises(DataError, match="line 2 \\(id 't1'\\): duplicate id"):
        read_llava(str(path), images=str(images))


def test_hub_source_calls_load_dataset(monkeypatch: pytest.MonkeyPatch, images: Path) -> None:
    calls = []

    def load_dataset(path: str, **kwargs):
        calls.append((path, kwargs))
        return [ROW, TEXT_ROW]

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    rows = read_llava("Xkev/LLaVA-CoT-100k", images=str(images), revision="abc")
    assert calls == [("Xkev/LLaVA-CoT-100k", {"split": "train", "revision": "abc"})]
    assert [r.id for r in rows] == ["q1", "t1"]
    assert rows[0].image == images / "shapes" / "one.png"
    with pytest.raises(DataError, match=r"row 1 \(id 'q1'\).*unzip the dataset's images"):
        read_llava("Xkev/LLaVA-CoT-100k", images=None)
