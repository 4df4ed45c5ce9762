"""The report's loop additions: consistency figures from consistency.jsonl and the composition
of each training file a mode named."""

from __future__ import annotations

import json
from pathlib import Path

from benchlab.record.layout import ExperimentFiles
from benchlab.report.consistency_files import read_consistency_items, write_consistency_figures
from benchlab.report.records import ExperimentRecord
from benchlab.report.training_data import training_files, write_training_compositions
from benchlab.scoring.consistency import ItemSamples, item_consistency

PNG = b"\x89PNG"


def _record(root: Path, mode: dict) -> ExperimentRecord:
    root.mkdir(parents=True)
    results = {"seed": 1, "provenance": {"spec": {"mode": mode}}}
    return ExperimentRecord(root.name, "complete", ExperimentFiles(root), results=results)


def test_consistency_lines_round_trip_and_figures_are_written(tmp_path: Path) -> None:
    record = _record(tmp_path / "exp", {"name": "sft"})
    items = [
        item_consistency(ItemSamples("a", ["1", "1", "2"], greedy="1", gold="1")),
        item_consistency(ItemSamples("b", ["3", None, "3"], greedy="3", gold="4")),
    ]
    lines = [{**i.to_json(), "seed": 5, "texts": ["x"] * 3} for i in items]
    (record.files.root / "consistency.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines)
    )
    assert read_consistency_items(record) == items
    figures = write_consistency_figures([record])
    assert sorted(figures) == ["exp_consistency_agreement.png", "exp_consistency_maj_at_k.png"]
    assert (record.files.root / "consistency_agreement.png").read_bytes().startswith(PNG)
    assert write_consistency_figures([_record(tmp_path / "plain", {"name": "zero-shot"})]) == {}


def test_training_file_composition_by_source(tmp_path: Path) -> None:
    data = tmp_path / "distilled.jsonl"
    rows = [{"prompt": "p", "completion": "a b", "source": "distill:x"}] * 3
    rows += [{"prompt": "p", "completion": "c", "source": "original:x"}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    records = [
        _record(tmp_path / "one", {"name": "sft", "data": str(data)}),
        _record(tmp_path / "two", {"name": "sft2", "data": str(data)}),
        _record(tmp_path / "three", {"name": "sft3", "data": str(tmp_path / "missing.jsonl")}),
    ]
    assert training_files(records) == [data]
    analysis = tmp_path / "analysis"
    charts = write_training_compositions(records, analysis)
    assert list(charts) == ["training_data_distilled.png"]
    table = (analysis / "training_data" / "training_data_distilled.csv").read_text()
    assert "distill:x" in table and "original:x" in table
    lines = table.splitlines()
    assert any(line.startswith("distill:x,3,0.75") for line in lines), table
