"""Local classification tasks load from CSV, TSV and JSONL with a column mapping."""

from pathlib import Path

import pytest

from benchlab.errors import DataError
from benchlab.requests import LoglikelihoodRequest
from benchlab.tasks.base import EvalContext
from benchlab.tasks.classification import ClassificationOptions, ClassificationTask
from tests.helpers import write_jsonl


def _task(**options) -> ClassificationTask:
    return ClassificationTask("t", ClassificationOptions.model_validate(options))


def test_csv_with_label_names_and_pairs(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    path.write_text('a,b,y\n"x, with comma",hyp,yes\nfoo,bar,no\n', encoding="utf-8")
    task = _task(
        eval=str(path),
        columns={"text": "a", "text_pair": "b", "label": "y"},
        label_names=["no", "yes"],
        pair_template="{text} / {text_pair}?",
    )
    task.validate()
    examples = task.load_split("eval")
    assert [e.gold for e in examples] == [1, 0]
    assert examples[0].data == {"text": "x, with comma", "text_pair": "hyp"}
    requests = task.requests_for(examples[0], [], EvalContext())
    assert requests == [
        LoglikelihoodRequest("x, with comma / hyp?", " no"),
        LoglikelihoodRequest("x, with comma / hyp?", " yes"),
    ]


def test_tsv_keeps_quotes_and_infers_integer_labels(tmp_path: Path) -> None:
    path = tmp_path / "dev.tsv"
    path.write_text('sentence\tlabel\nit \'s "great" \t1\nbad \t0\n', encoding="utf-8")
    task = _task(eval=str(path), columns={"text": "sentence", "label": "label"})
    examples = task.load_split("eval")
    assert examples[0].data["text"] == 'it \'s "great" '
    assert task.label_names == ["0", "1"]
    assert [e.gold for e in examples] == [1, 0]


def test_jsonl_holdout_split_is_disjoint_and_seeded(tmp_path: Path) -> None:
    rows = [{"t": f"text {i}", "l": "a" if i % 2 else "b"} for i in range(50)]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    options = dict(eval=str(path), columns={"text": "t", "label": "l"}, holdout_fraction=0.4)
    task = _task(**options)
    train, evaluation = task.load_split("train"), task.load_split("eval")
    assert len(evaluation) == 20 and len(train) == 30
    assert not {e.data["text"] for e in train} & {e.data["text"] for e in evaluation}
    again = _task(**options).load_split("eval")
    assert [e.data for e in again] == [e.data for e in evaluation]


def test_unknown_label_value_names_file_and_column(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"t": "x", "l": "maybe"}])
    task = _task(eval=str(path), columns={"text": "t", "label": "l"}, label_names=["no", "yes"])
    with pytest.raises(DataError, match=r"d\.jsonl.*'maybe'.*'l'"):
        task.load_split("eval")


def test_missing_label_column_is_reported_before_loading(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "d.jsonl", [{"t": "x", "l": 0}])
    task = _task(eval=str(path), columns={"text": "t", "label": "lbl"})
    with pytest.raises(DataError, match=r"columns.label is 'lbl'"):
        task.validate()
