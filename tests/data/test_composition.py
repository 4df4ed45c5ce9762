"""Dataset composition on hand-made files: counts, shares and length statistics by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.data import composition, read_rows, row_text, token_counter
from benchlab.errors import DataError

ROWS = [
    {"source": "gsm8k", "category": "math", "text": "a b c"},
    {"source": "gsm8k", "category": "math", "text": "a b c d e"},
    {"source": "mbpp", "text": "x"},
    {"source": "gsm8k", "category": "math", "text": "one"},
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_groups_shares_and_lengths_equal_hand_computation():
    count, unit = token_counter(None)
    result = composition(ROWS, ["source"], count, unit=unit)
    assert unit == "whitespace tokens" and result.total_rows == 4
    gsm, mbpp = result.groups
    assert (gsm.key, gsm.rows, gsm.share) == (("gsm8k",), 3, 0.75)
    # lengths 3, 5, 1: mean 3, median 3, p95 = 3 + 0.9 x (5 - 3) = 4.8 (linear interpolation)
    assert (gsm.length_mean, gsm.length_median, gsm.length_total) == (3.0, 3.0, 9)
    assert gsm.length_p95 == pytest.approx(4.8)
    assert (mbpp.key, mbpp.rows, mbpp.share, mbpp.length_mean) == (("mbpp",), 1, 0.25, 1.0)
    both = composition(ROWS, ["source", "category"], count, unit=unit)
    assert [(g.key, g.rows) for g in both.groups] == [
        (("gsm8k", "math"), 3),
        (("mbpp", "(none)"), 1),
    ]


def test_row_text_rules():
    chat = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
    assert row_text(chat) == "hi\nyo"
    assert row_text({"prompt": "p", "completion": "c", "source": "s"}) == "p\nc"
    assert row_text({"instruction": "i", "output": "o"}) == "i\no"
    assert row_text({"a": "x", "b": 3, "c": "y"}) == "x\ny"
    assert row_text({"q": "x", "r": "y"}, ["r"]) == "y"


def test_local_tokenizer_counts_match_the_tokenizer(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=60, special_tokens=["[UNK]"])
    tokenizer.train_from_iterator([r["text"] for r in ROWS] * 5, trainer)
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    count, unit = token_counter(tmp_path)
    assert unit == f"tokens of {tmp_path.name}"
    result = composition(ROWS, ["source"], count, unit=unit)
    expected = [len(tokenizer.encode(r["text"]).ids) for r in ROWS if r["source"] == "gsm8k"]
    assert result.groups[0].length_total == sum(expected)


def test_readers_agree_across_formats(tmp_path):
    jsonl = _jsonl(tmp_path / "mix.jsonl", ROWS)
    (tmp_path / "mix.json").write_text(json.dumps(ROWS))
    with (tmp_path / "mix.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["source", "category", "text"])
        writer.writeheader()
        writer.writerows(ROWS)
    count, unit = token_counter(None)
    tables = [
        [
            (g.key, g.rows, g.length_total)
            for g in composition(read_rows(p), ["source", "category"], count, unit=unit).groups
        ]
        for p in (jsonl, tmp_path / "mix.json", tmp_path / "mix.csv")
    ]
    assert tables[0] == tables[1] == tables[2]


def test_bad_lines_are_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "a"}\n\n{"source": \n')
    with pytest.raises(DataError, match=r"bad.jsonl:3: not valid JSON"):
        read_rows(bad)
    ragged = tmp_path / "bad.csv"
    ragged.write_text("source,text\na,b\nc,d,e\n")
    with pytest.raises(DataError, match=r"bad.csv:3: more fields"):
        read_rows(ragged)
    with pytest.raises(DataError, match="unknown format"):
        read_rows(_jsonl(tmp_path / "rows.txt", ROWS))


def test_cli_prints_table_and_writes_csv_and_plot(tmp_path):
    source = _jsonl(tmp_path / "mix.jsonl", ROWS)
    runner = CliRunner()
    out_csv, out_png = tmp_path / "c.csv", tmp_path / "c.png"
    result = runner.invoke(
        app,
        [
            "data",
            "composition",
            str(source),
            "--by",
            "source,category",
            "--csv",
            str(out_csv),
            "--plot",
            str(out_png),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 rows; lengths in whitespace tokens" in result.output
    assert "gsm8k / math" in result.output and "75.0%" in result.output
    with out_csv.open() as handle:
        table = list(csv.DictReader(handle))
    assert [(r["source"], r["category"], r["rows"]) for r in table] == [
        ("gsm8k", "math", "3"),
        ("mbpp", "(none)", "1"),
    ]
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n[1, 2\n")
    result = runner.invoke(app, ["data", "composition", str(bad)])
    assert result.exit_code == 2
    assert "bad.jsonl:2: not valid JSON" in result.output
    assert len(result.output.strip().splitlines()) == 1
