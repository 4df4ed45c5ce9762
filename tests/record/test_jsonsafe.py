"""One NaN policy: undefined numbers are written as null, and no writer can emit a bare NaN."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from benchlab.record.atomic import write_json_atomic, write_jsonl_atomic
from benchlab.record.jsonsafe import finite_or_none, json_line, json_text


def test_non_finite_values_become_none_at_any_depth() -> None:
    data = {"a": math.nan, "b": [1.0, math.inf, (-math.inf, 2)], "c": {"d": np.float64("nan")}}
    assert finite_or_none(data) == {"a": None, "b": [1.0, None, [None, 2]], "c": {"d": None}}
    assert finite_or_none(np.float32("inf")) is None
    assert finite_or_none(np.float32(0.5)) == np.float32(0.5)
    assert finite_or_none("nan") == "nan" and finite_or_none(3) == 3


def test_files_hold_null_where_a_nan_was(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "r.json", {"value": math.nan, "ci": [0.1, math.inf]})
    text = (tmp_path / "r.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"value": None, "ci": [0.1, None]}
    write_jsonl_atomic(tmp_path / "p.jsonl", [{"score": -math.inf}, {"score": 1.5}])
    lines = (tmp_path / "p.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"score": None}, {"score": 1.5}]


def test_finite_output_matches_plain_json() -> None:
    """The policy changes nothing else: the bytes equal json.dumps of clean data."""
    data = {"id": "x-1", "scores": {"a": -0.25, "b": 1e-9}, "ok": True, "t": "é"}
    assert json_line(data) == json.dumps(data, ensure_ascii=False)
    assert json_text(data) == json.dumps(data, indent=2, ensure_ascii=False)


def test_nothing_non_finite_slips_through_a_default() -> None:
    class Odd:
        def __str__(self) -> str:
            return "odd"

    assert json.loads(json_line({"o": Odd(), "n": math.nan})) == {"o": "odd", "n": None}
    with pytest.raises(ValueError):
        json.dumps(math.nan, allow_nan=False)  # the guard json_text relies on
