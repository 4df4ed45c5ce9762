"""A battery of bad configs and data files: each is refused by `benchlab validate` with exit 2,
one line naming the file, field or line, no traceback, and nothing written.

Every case starts from one small valid study (a local CSV classification task, a tiny causal
model) written to a temp folder, and breaks one thing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli.main import app

TRAIN = "text,label\n" + "".join(
    f"review number {i} was {'great' if i % 2 else 'awful'},{'positive' if i % 2 else 'negative'}\n"
    for i in range(6)
)
EVAL = "text,label\ngood film,positive\nbad film,negative\nfine film,positive\nmeh,negative\n"


class Study:
    """The files of one study: data files by relative path and the config as a dict."""

    def __init__(self) -> None:
        self.files: dict[str, str | bytes] = {"data/train.csv": TRAIN, "data/eval.csv": EVAL}
        self.config: dict[str, Any] = {
            "name": "battery",
            "models": [{"name": "tiny", "path": "builtin:tiny-causal", "kind": "causal"}],
            "tasks": [
                {
                    "name": "reviews",
                    "type": "classification",
                    "train": "data/train.csv",
                    "eval": "data/eval.csv",
                    "columns": {"text": "text", "label": "label"},
                    "label_names": ["negative", "positive"],
                    "template": "Review: {text}\nSentiment:",
                }
            ],
            "modes": [{"name": "zero", "type": "zero_shot"}],
            "profiles": {"quick": {"max_eval_examples": 4}},
            "default_profile": "quick",
        }

    @property
    def task(self) -> dict[str, Any]:
        """The one task's options."""
        return self.config["tasks"][0]

    def write(self, folder: Path) -> Path:
        """Write the data files and the config; return the config's path."""
        for name, content in self.files.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        path = folder / "study.yaml"
        path.write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
        return path


Case = Callable[[Study], None]


def _eval_bytes(content: bytes) -> Case:
    return lambda s: s.files.update({"data/eval.csv": content})


def _eval_as(name: str, content: str | bytes) -> Case:
    """The eval split moved to a file of another name or type."""

    def change(s: Study) -> None:
        del s.files["data/eval.csv"]
        s.files[f"data/{name}"] = content
        s.task["eval"] = f"data/{name}"

    return change


def _jsonl(*rows: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def _task(**options: Any) -> Case:
    return lambda s: s.task.update(options)


def _mode(**mode: Any) -> Case:
    return lambda s: s.config.update(modes=[mode])


def _both(*cases: Case) -> Case:
    def change(s: Study) -> None:
        for case in cases:
            case(s)

    return change


def _other_task(task: dict[str, Any], **files: str) -> Case:
    def change(s: Study) -> None:
        s.config["tasks"] = [task]
        s.files.update({f"data/{name}": text for name, text in files.items()})

    return change


def _deep_latin1() -> bytes:
    rows = "".join(f"row {i},positive\n" for i in range(1, 149))
    return f"text,label\n{rows}".encode() + "caf\xe9 cr\xe8me,negative\n".encode("latin-1")


GOOD_ROW = {"text": "fine", "label": "positive"}
SFT_NULL = {"prompt": "a", "completion": None}
MC_ROW = {"question": "2+2?", "choices": ["3", "4", "5", "6"], "answer": "B"}
MC_TASK = {"name": "quiz", "type": "multiple_choice", "eval": "data/quiz.jsonl"}
GSM_TASK = {"name": "arith", "type": "gsm8k", "eval": "data/arith.jsonl", "train": None}
GSM_ROW = {"question": "1+1?", "answer": "1+1=2\n#### 2"}

CASES: list[tuple[str, Case, str]] = [
    # -- encodings and unreadable files
    ("utf16-bom", _eval_bytes(EVAL.encode("utf-16")), r"eval\.csv: not UTF-8 \(UTF-16"),
    (
        "utf16-no-bom",
        _eval_bytes(EVAL.encode("utf-16-le")),
        r"eval\.csv: not UTF-8 \(looks like UTF-16 at line 1\); save it as UTF-8",
    ),
    (
        "latin1",
        _eval_bytes("text,label\ncaf\xe9,positive\n".encode("latin-1")),
        r"eval\.csv: not UTF-8 \(looks like latin-1 / Windows-1252 at line 2: byte 0xe9\)",
    ),
    ("latin1-deep", _eval_bytes(_deep_latin1()), r"eval\.csv: not UTF-8 .* at line 150"),
    (
        "binary",
        _eval_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        r"eval\.csv: not UTF-8 text \(binary data",
    ),
    ("utf32", _eval_bytes(EVAL.encode("utf-32")), r"eval\.csv: not UTF-8 \(UTF-32"),
    # -- empty files and unsupported types
    ("empty-csv", _eval_bytes(b""), r"eval\.csv: the file is empty"),
    ("header-only", _eval_bytes(b"text,label\n"), r"eval\.csv: only a header line, no data rows"),
    ("blank-lines", _eval_as("e.jsonl", "\n\n  \n"), r"e\.jsonl: the file is empty"),
    ("empty-array", _eval_as("e.json", "[]"), r"e\.json: no data rows"),
    ("txt-file", _eval_as("eval.txt", EVAL), r"eval\.txt: unsupported file type '\.txt'"),
    ("parquet", _eval_as("eval.parquet", b"PAR1"), r"unsupported file type '\.parquet'"),
    ("missing-file", _task(eval="data/nowhere.csv"), r"data file not found: .*nowhere\.csv"),
    # -- malformed rows
    (
        "jsonl-bad-line",
        _eval_as("e.jsonl", _jsonl(GOOD_ROW, GOOD_ROW, '{"text": "x", "label": }')),
        r"e\.jsonl: line 3 is not valid JSON \(Expecting value\)",
    ),
    (
        "jsonl-not-object",
        _eval_as("e.jsonl", _jsonl(GOOD_ROW, "\n", '["fine", "positive"]')),
        r"e\.jsonl: line 4 is a JSON list, not an object",  # blank lines counted
    ),
    ("json-not-array", _eval_as("e.json", json.dumps(GOOD_ROW)), r"e\.json: expected a JSON array"),
    (
        "json-syntax",
        _eval_as("e.json", '[\n{"text": "a", "label": "positive"},\n{"text": "b"\n]'),
        r"e\.json: line 4 is not valid JSON",
    ),
    (
        "csv-extra-field",
        _eval_bytes(b"text,label\ngood,positive\nbad, awful,negative\n"),
        r"eval\.csv: line 3 \(data row 2\) has 3 field\(s\), more than the header's 2",
    ),
    (
        "csv-missing-field",
        _eval_bytes(b"text,label\ngood,positive\nbad\n"),
        r"eval\.csv: line 3 \(data row 2\) has 1 field\(s\), fewer than",
    ),
    (
        "csv-repeated-header",
        _eval_bytes(b"text,text,label\na,b,positive\n"),
        r"eval\.csv: line 1: the header repeats column\(s\) \['text'\]",
    ),
    # -- columns, texts and labels
    (
        "missing-text-column",
        _task(columns={"text": "review", "label": "label"}),
        r"train\.csv: columns\.text is 'review' but the file has columns \['text', 'label'\]",
    ),
    (
        "missing-label-column",
        _task(columns={"text": "text", "label": "stars"}),
        r"train\.csv: columns\.label is 'stars'",
    ),
    (
        "missing-pair-column",
        _task(columns={"text": "text", "label": "label", "text_pair": "hypothesis"}),
        r"columns\.text_pair is 'hypothesis'",
    ),
    (
        "jsonl-row-lacks-field",
        _eval_as("e.jsonl", _jsonl(GOOD_ROW, GOOD_ROW, GOOD_ROW, {"label": "negative"})),
        r"e\.jsonl: line 4 has no field 'text' \(columns\.text\)",
    ),
    (
        "null-text",
        _eval_as("e.jsonl", _jsonl(GOOD_ROW, {"text": None, "label": "negative"})),
        r"e\.jsonl: line 2: null text in column 'text'",
    ),
    (
        "empty-text",
        _eval_bytes(b"text,label\ngood,positive\n  ,negative\n"),
        r"eval\.csv: line 3 \(data row 2\): empty text in column 'text'",
    ),
    (
        "empty-label",
        _eval_bytes(b"text,label\ngood,positive\nbad,\n"),
        r"eval\.csv: line 3 \(data row 2\): empty label in column 'label'",
    ),
    (
        "unknown-label",
        _eval_bytes(b"text,label\ngood,positive\nso-so,neutral\n"),
        r"eval\.csv: line 3 \(data row 2\): label 'neutral' in column 'label' is not one of",
    ),
    (
        "label-index-too-big",
        _eval_as("e.jsonl", _jsonl({"text": "a", "label": 1}, {"text": "b", "label": 5})),
        r"e\.jsonl: line 2: label 5 .* not one of label_names",
    ),
    (
        "float-label",
        _eval_as("e.jsonl", _jsonl({"text": "a", "label": 1}, {"text": "b", "label": 1.0})),
        r"e\.jsonl: line 2: label 1\.0 .* not one of label_names",
    ),
    (
        "train-label-not-in-eval",
        _both(
            _task(label_names=None),
            lambda s: s.files.update({"data/train.csv": TRAIN + "so-so,neutral\n"}),
        ),
        r"train\.csv: line 8 \(data row 7\): label 'neutral' .* not one of the eval split's "
        r"labels \['negative', 'positive'\]",
    ),
    (
        "verbalizers-per-label",
        _task(label_names=None, verbalizers=["bad", "ok", "good"]),
        r"verbalizers has 3 entries but the eval split has 2 labels",
    ),
    (
        "holdout-leaves-no-eval",
        _task(train=None, holdout_fraction=0.1),
        r"eval\.csv: holdout_fraction 0\.1 of 4 rows leaves 4 train and 0 eval rows",
    ),
    (
        "duplicate-label-names",
        _task(label_names=["negative", "positive", "positive"]),
        r"tasks\[0\] \(reviews\): label_names repeats \['positive'\]",
    ),
    (
        "duplicate-verbalizers",
        _task(verbalizers=["good", "good"]),
        r"verbalizers repeats \['good'\]",
    ),
    # -- templates
    ("template-typo", _task(template="Review: {txt}\n"), r"template .* unknown field \{txt\}"),
    (
        "template-names-the-column",
        _task(columns={"text": "review", "label": "label"}, template="{review}"),
        r"template '\{review\}' names the column \{review\}; write \{text\}",
    ),
    ("template-open-brace", _task(template="Review: {text"), r"template .* not a valid template"),
    ("template-stray-brace", _task(template="{text} }"), r"template .* not a valid template"),
    ("template-positional", _task(template="Review: {}"), r"template .* positional field"),
    (
        "pair-template-typo",
        _both(
            _task(columns={"text": "text", "label": "label", "text_pair": "text"}),
            _task(pair_template="{text} / {hypothesis}"),
        ),
        r"pair_template .* unknown field \{hypothesis\}",
    ),
    # -- few-shot k, LoRA targets, SFT data
    (
        "few-shot-k-above-train",
        _mode(name="few", type="few_shot", k=8),
        r"modes\[0\] \(few\): k is 8 but task 'reviews' has 6 train examples",
    ),
    (
        "few-shot-k-above-profile-cap",
        _both(
            _mode(name="few", type="few_shot", k=4),
            lambda s: s.config["profiles"]["quick"].update(max_train_examples=3),
        ),
        r"k is 4 but task 'reviews' has 6 train examples, capped at 3 by profile 'quick'",
    ),
    (
        "few-shot-k-above-holdout",
        _both(_task(train=None, holdout_fraction=0.5), _mode(name="few", type="few_shot", k=3)),
        r"k is 3 but task 'reviews' has 2 train examples",
    ),
    (
        "lora-unknown-target",
        _mode(name="lora", type="lora", target_modules=["q_proj", "qkv_proj"]),
        r"modes\[0\]\.target_modules: \['qkv_proj'\] match no module of model 'tiny' .* its "
        r"linear layers are \[.*'q_proj'",
    ),
    (
        "sft-bad-json-line",
        _both(
            _mode(name="sft", type="sft", data="data/sft.jsonl"),
            lambda s: s.files.update({"data/sft.jsonl": '{"prompt": "a", "completion": "b"}\n{'}),
        ),
        r"modes\[0\] \(sft\)\.data: .*sft\.jsonl: line 2 is not valid JSON",
    ),
    (
        "sft-null-completion",
        _both(
            _mode(name="sft", type="sft", data="data/sft.jsonl"),
            lambda s: s.files.update(
                {"data/sft.jsonl": _jsonl({"prompt": "a", "completion": None})}
            ),
        ),
        r"sft\.jsonl: line 1: empty 'completion'",
    ),
    (
        "sft-csv",
        _both(
            _mode(name="sft", type="sft", data="data/sft.csv"),
            lambda s: s.files.update({"data/sft.csv": "prompt,completion\na,b\n"}),
        ),
        r"sft\.csv: SFT data must be a \.jsonl file",
    ),
    # -- multiple choice and math files
    (
        "mc-empty-question",
        _other_task(MC_TASK, **{"quiz.jsonl": _jsonl(MC_ROW, {**MC_ROW, "question": ""})}),
        r"quiz\.jsonl line 2: empty question",
    ),
    (
        "mc-answer-out-of-range",
        _other_task(MC_TASK, **{"quiz.jsonl": _jsonl(MC_ROW, MC_ROW, {**MC_ROW, "answer": "E"})}),
        r"quiz\.jsonl line 3: answer 'E' is not a letter",
    ),
    (
        "mc-latin1",
        _both(
            _other_task({**MC_TASK, "eval": "data/quiz.csv"}),
            lambda s: s.files.update(
                {"data/quiz.csv": "question,A,B,answer\nd\xe9j\xe0 vu?,a,b,A\n".encode("latin-1")}
            ),
        ),
        r"quiz\.csv: not UTF-8 \(looks like latin-1 / Windows-1252 at line 2",
    ),
    (
        "mc-shots-above-train",
        _other_task(
            {**MC_TASK, "train": "data/shots.jsonl", "num_fewshot": 3},
            **{"quiz.jsonl": _jsonl(MC_ROW), "shots.jsonl": _jsonl(MC_ROW, MC_ROW)},
        ),
        r"shots\.jsonl: num_fewshot is 3 but only 2 train items can be shown",
    ),
    (
        "mc-shots-without-train",
        _other_task({**MC_TASK, "num_fewshot": 2}, **{"quiz.jsonl": _jsonl(MC_ROW)}),
        r"tasks\[0\] \(quiz\): num_fewshot is 2 but the task has no `train`",
    ),
    (
        "mc-wrong-format",
        _other_task({**MC_TASK, "format": "hf_arc"}, **{"quiz.jsonl": _jsonl(MC_ROW)}),
        r"quiz\.jsonl line 1: not a 'hf_arc' row",
    ),
    (
        "gsm8k-missing-answer",
        _other_task(GSM_TASK, **{"arith.jsonl": _jsonl(GSM_ROW, {"question": "2+2?"})}),
        r"arith\.jsonl: line 2 has no 'answer' field",
    ),
    (
        "gsm8k-too-many-cot-shots",
        _other_task({**GSM_TASK, "num_fewshot": 9}, **{"arith.jsonl": _jsonl(GSM_ROW)}),
        r"num_fewshot is 9 but the cot8 prompt has 8 exemplars",
    ),
]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under `folder` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
    }


def _refused(command: list[str]) -> str:
    """Run the CLI in-process; assert one `error:` line, exit 2, no traceback; return it."""
    result = CliRunner().invoke(app, command)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


def test_the_battery_is_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
    assert len({name for name, _, _ in CASES}) == len(CASES)


def test_the_unbroken_study_is_valid(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(Study().write(tmp_path))])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validate_refuses_in_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Case, expected: str
) -> None:
    study = Study()
    change(study)
    folder = tmp_path / "study"
    config = study.write(folder)
    monkeypatch.chdir(tmp_path)  # the default run dir (runs/...) would appear here
    before = _snapshot(tmp_path)
    line = _refused(["validate", str(config)])
    assert "study.yaml" in line
    assert re.search(expected, line), line
    assert _snapshot(tmp_path) == before


RUN_CASES = ["latin1", "jsonl-bad-line", "template-typo", "few-shot-k-above-train", "empty-label"]


@pytest.mark.parametrize("name", RUN_CASES)
def test_run_refuses_before_writing_a_run_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _, change, _ = next(c for c in CASES if c[0] == name)
    study = Study()
    change(study)
    config = study.write(tmp_path / "study")
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    for command in (["run", str(config)], ["run", str(config), "--out", str(tmp_path / "out")]):
        _refused(command)
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / "runs").exists() and not (tmp_path / "out").exists()
