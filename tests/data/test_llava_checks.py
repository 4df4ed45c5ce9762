"""`benchlab data check` / `convert`: each kind of bad row named, statistics, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.data.llava_checks import check_llava_file
from benchlab.data.llava_convert import convert_llava_file
from benchlab.errors import DataError

runner = CliRunner()

TRACE = (
    "<SUMMARY>Count.</SUMMARY><CAPTION>A red square.</CAPTION>"
    "<REASONING>One square is shown.</REASONING><CONCLUSION>1</CONCLUSION>"
)


def good(row_id: str, image: str | None = "red.png", answer: str = TRACE) -> dict:
    """A well-formed row; the question varies with the id so contents differ."""
    row = {
        "id": row_id,
        "conversations": [
            {"from": "human", "value": f"<image>\nHow many shapes? ({row_id})"},
            {"from": "gpt", "value": answer},
        ],
    }
    if image is None:
        row["conversations"][0]["value"] = f"Say hi ({row_id})"
        return row
    return {"id": row_id, "image": image, **{"conversations": row["conversations"]}}


def turns(*pairs: tuple[str, str]) -> list[dict]:
    return [{"from": who, "value": text} for who, text in pairs]


# kind -> (raw JSONL line, the words the problem line must contain)
BAD_ROWS = {
    "invalid_json": ('{"id": "x", "conversations": [', "not JSON"),
    "not_object": (json.dumps(["a", "list"]), "not a JSON object"),
    "missing_id": (json.dumps({**good("m"), "id": None}), "missing 'id'"),
    "duplicate_id": (
        json.dumps(good("g1", answer="other answer")),
        "duplicate id (first at line 1)",
    ),
    "duplicate_content": (
        json.dumps({**good("g1"), "id": "copy"}),
        "same image and turns as line 1",
    ),
    "conversations": (json.dumps({"id": "c", "image": "red.png"}), "'conversations' missing"),
    "unknown_role": (
        json.dumps({"id": "r", "conversations": turns(("human", "q"), ("bot", "a"))}),
        "turn 2: unknown role 'from': 'bot'",
    ),
    "first_turn": (
        json.dumps({"id": "f", "conversations": turns(("gpt", "a"), ("human", "q"))}),
        "first turn is not from the human",
    ),
    "not_alternating": (
        json.dumps(
            {"id": "n", "conversations": turns(("human", "q"), ("human", "q"), ("gpt", "a"))}
        ),
        "do not alternate",
    ),
    "no_answer": (
        json.dumps({"id": "e", "conversations": turns(("human", "q"), ("gpt", "  "))}),
        "turn 2: empty answer",
    ),
    "missing_image": (json.dumps(good("i", image="nowhere.png")), "nowhere.png not found"),
    "unreadable_image": (json.dumps(good("u", image="corrupt.png")), "corrupt.png is unreadable"),
    "placeholder": (
        json.dumps(
            good("p", image=None) | {"conversations": turns(("human", "<image> q"), ("gpt", "a"))}
        ),
        "'<image>' placeholder but no 'image' field",
    ),
    "reasoning_tags": (
        json.dumps(good("t", answer=TRACE.replace("<CAPTION>", "<X>").replace("</CAPTION>", ""))),
        "turn 2: reasoning tags: missing CAPTION",
    ),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "red.png")
    png = (tmp_path / "red.png").read_bytes()
    (tmp_path / "corrupt.png").write_bytes(png[:40] + b"\x00" * 30)  # PNG header, broken body
    return tmp_path


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_good_file_has_no_problems_and_statistics(folder: Path) -> None:
    rows = [good("g1"), good("g2", answer="plain answer here"), good("g3", image=None, answer="hi")]
    path = _write(folder / "train.jsonl", [json.dumps(r) for r in rows])
    report = check_llava_file(path, images=folder)
    assert report.ok and report.rows == 3
    stats = report.statistics()
    assert stats["turns_per_row"]["mean"] == 2.0
    assert stats["answer_words"]["max"] == 9.0  # the trace's words, tags aside
    assert stats["answer_words"]["median"] == 3.0
    assert stats["stage_coverage"]["CONCLUSION"] == pytest.approx(1 / 3)
    assert stats["well_formed_traces"] == pytest.approx(1 / 3)


def test_at_least_ten_kinds_of_bad_row() -> None:
    assert len(BAD_ROWS) >= 10


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_each_kind_of_bad_row_is_named_with_its_line(folder: Path, kind: str) -> None:
    line, words = BAD_ROWS[kind]
    path = _write(folder / "train.jsonl", [json.dumps(good("g1")), line])
    report = check_llava_file(path, images=folder)
    assert [(p.kind, p.where) for p in report.problems] == [(kind, "line 2")]
    (problem,) = report.problems
    assert words in problem.line()
    row = json.loads(line) if kind != "invalid_json" else None
    if isinstance(row, dict) and row.get("id"):
        assert problem.line().startswith(f"line 2 (id {row['id']!r}): ")


def test_check_cli_prints_every_problem_exits_1_and_writes_nothing(folder: Path) -> None:
    lines = [json.dumps(good("g1"))] + [line for line, _ in BAD_ROWS.values()]
    path = _write(folder / "train.jsonl", lines)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}
    result = runner.invoke(app, ["data", "check", str(path), "--images", str(folder)])
    assert result.exit_code == 1, result.output
    for number, (_, words) in enumerate(BAD_ROWS.values(), start=2):
        assert any(f"line {number}" in out and words in out for out in result.output.splitlines())
    assert f"{len(BAD_ROWS)} problem(s)" in result.output
    assert "words per answer" in result.output and "well-formed traces" in result.output
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.iterdir()}
    assert after == before


def test_check_cli_exit_0_on_a_good_file(folder: Path) -> None:
    path = _write(folder / "train.jsonl", [json.dumps(good("g1")), json.dumps(good("g2"))])
    result = runner.invoke(app, ["data", "check", str(path)])  # images next to the file
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output and "CONCLUSION 100.0%" in result.output


def test_convert_writes_chat_rows_with_absolute_images(folder: Path) -> None:
    path = _write(folder / "train.jsonl", [json.dumps(good("g1")), json.dumps(good("t", None))])
    out = folder / "out" / "chat.jsonl"
    result = runner.invoke(
        app, ["data", "convert", str(path), "--images", str(folder), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    first, second = [json.loads(line) for line in out.read_text().splitlines()]
    assert first["images"] == [str((folder / "red.png").resolve())]
    assert first["messages"][0]["content"] == [
        {"type": "image"},
        {"type": "text", "text": "How many shapes? (g1)"},
    ]
    assert first["messages"][1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": TRACE}],
    }
    assert "images" not in second


def test_convert_refuses_a_bad_file_and_writes_nothing(folder: Path) -> None:
    path = _write(folder / "train.jsonl", [json.dumps(good("g1")), BAD_ROWS["missing_image"][0]])
    out = folder / "chat.jsonl"
    out.write_text("old\n")
    with pytest.raises(DataError, match=r"1 problem\(s\), first at line 2 \(id 'i'\)"):
        convert_llava_file(path, images=folder, out=out)
    assert out.read_text() == "old\n"
    result = runner.invoke(app, ["data", "convert", str(path), "--out", str(out)])
    assert result.exit_code == 2 and "nothing written" in result.output
    assert out.read_text() == "old\n"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
