"""The row formats multiple-choice data comes in, each parsed into one `ChoiceItem`.

Hub datasets (ai2_arc, openbookqa, sciq, cais/mmlu, gpqa), the authors' headerless MMLU CSVs,
LLM-Adapters' instruction conversions ("Answer1: ... Answer2: ...", answer "answerK"),
llm-foundry's {query, choices, gold}, and a user's own {question, choices, answer} rows all end
up as the same item, so prompts and scoring never depend on where the data came from.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchlab.config.encoding import read_utf8
from benchlab.errors import DataError
from benchlab.tasks.data_files import read_table

__all__ = [
    "ChoiceItem",
    "RowFormat",
    "answer_index",
    "detect_format",
    "parse_rows",
    "read_local_rows",
    "read_local_table",
]

RowFormat = Literal[
    "auto",
    "custom",
    "hf_arc",
    "hf_openbookqa",
    "hf_sciq",
    "hf_mmlu",
    "gpqa",
    "llm_adapters",
    "llmfoundry",
    "mmlu_csv",
]


@dataclass(frozen=True)
class ChoiceItem:
    """A question, its answer choices, the gold index, and optional subject/support/id."""

    question: str
    choices: tuple[str, ...]
    gold: int
    subject: str | None = None
    support: str | None = None
    id: str | None = None
    rationale: str | None = None


def answer_index(value: Any, n_choices: int, where: str) -> int:
    """A gold answer given as a letter ("B"), a 0-based index, or "answerK" (1-based)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int) and 0 <= value < n_choices:
        return value
    text = str(value).strip() if value is not None else ""
    if len(text) == 1 and text.isalpha() and 0 <= ord(text.upper()) - 65 < n_choices:
        return ord(text.upper()) - 65
    if text.isdigit() and 0 <= int(text) < n_choices:
        return int(text)
    match = re.fullmatch(r"answer(\d+)", text, re.IGNORECASE)
    if match and 1 <= int(match.group(1)) <= n_choices:
        return int(match.group(1)) - 1
    raise DataError(
        f"{where}: answer {value!r} is not a letter, 0-based index or 'answerK' for "
        f"{n_choices} choices"
    )


def _labelled(row: Mapping[str, Any], question_key: str, where: str) -> ChoiceItem:
    labels = list(row["choices"]["label"])
    key = str(row["answerKey"]).strip()
    if key not in labels:
        raise DataError(f"{where}: answerKey {key!r} is not one of the labels {labels}")
    return ChoiceItem(
        question=str(row[question_key]),
        choices=tuple(str(c) for c in row["choices"]["text"]),
        gold=labels.index(key),
        id=str(row["id"]) if row.get("id") is not None else None,
    )


def _hf_arc(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    return _labelled(row, "question", where)


def _hf_openbookqa(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    return _labelled(row, "question_stem", where)


def _hf_sciq(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    choices = (row["distractor1"], row["distractor2"], row["distractor3"], row["correct_answer"])
    return ChoiceItem(
        question=str(row["question"]),
        choices=tuple(str(c) for c in choices),
        gold=3,
        support=str(row.get("support") or ""),
    )


def _gpqa_clean(text: Any) -> str:
    # lm-evaluation-harness's gpqa preprocessing, so prompts match its gpqa tasks.
    if text is None:
        return " "
    return str(text).strip().replace(" [title]", ". ").replace("  ", " ")


def _gpqa(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    correct = _gpqa_clean(row["Correct Answer"])
    choices = [_gpqa_clean(row[f"Incorrect Answer {i}"]) for i in (1, 2, 3)] + [correct]
    item_id = str(row.get("Record ID") or row["Question"])
    # A seeded per-item shuffle: the gold position is uniform yet reproducible.
    random.Random(f"{seed}:{item_id}").shuffle(choices)
    return ChoiceItem(
        question=str(row["Question"]),
        choices=tuple(choices),
        gold=choices.index(correct),
        subject=row.get("High-level domain") or None,
        id=str(row["Record ID"]) if row.get("Record ID") else None,
        rationale=row.get("Explanation") or None,
    )


_ADAPTER_CHOICE = re.compile(r"(?:^|\s)Answer(\d+):\s")


def _llm_adapters(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    text = str(row["instruction"])
    body = text.removeprefix("Please choose the correct answer to the question:").strip()
    body = body.split("\n\nAnswer format:")[0]
    question, sep, listing = body.rpartition("\n\n")
    if not sep:
        raise DataError(f"{where}: cannot find the 'Answer1: ...' choice list in the instruction")
    parts = _ADAPTER_CHOICE.split(listing)
    numbers, texts = parts[1::2], parts[2::2]
    if numbers != [str(i) for i in range(1, len(numbers) + 1)] or not texts:
        raise DataError(f"{where}: choices are not numbered Answer1..AnswerK in the instruction")
    choices = tuple(t.strip() for t in texts)
    return ChoiceItem(
        question=question.strip(),
        choices=choices,
        gold=answer_index(row["answer"], len(choices), where),
    )


def _llmfoundry(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    choices = tuple(str(c) for c in row["choices"])
    return ChoiceItem(
        question=str(row["query"]),
        choices=choices,
        gold=answer_index(row["gold"], len(choices), where),
    )


def _mmlu_csv(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    choices = tuple(str(row[k]) for k in ("A", "B", "C", "D"))
    return ChoiceItem(
        question=str(row["question"]),
        choices=choices,
        gold=answer_index(row["answer"], 4, where),
        subject=row.get("subject"),
    )


def _custom(row: Mapping[str, Any], where: str, seed: int) -> ChoiceItem:
    choices_value = row.get("choices")
    if isinstance(choices_value, str):
        try:
            choices_value = json.loads(choices_value)
        except json.JSONDecodeError:
            choices_value = choices_value.split("|")
    if choices_value is None:
        letters = [k for k in "ABCDEFGHIJ" if row.get(k) not in (None, "")]
        choices_value = [row[k] for k in letters]
    if "question" in row and (row["question"] is None or not str(row["question"]).strip()):
        raise DataError(f"{where}: empty question; fill it in or remove the row")
    if not choices_value or "question" not in row or "answer" not in row:
        raise DataError(
            f"{where}: a custom multiple-choice row needs 'question', 'choices' (a list, or "
            f"columns A, B, C, ...) and 'answer' (letter or 0-based index); got {sorted(row)}"
        )
    choices = tuple(str(c) for c in choices_value)
    rationale = row.get("rationale") or row.get("explanation")
    return ChoiceItem(
        question=str(row["question"]),
        choices=choices,
        gold=answer_index(row["answer"], len(choices), where),
        subject=str(row["subject"]) if row.get("subject") else None,
        id=str(row["id"]) if row.get("id") not in (None, "") else None,
        rationale=str(rationale) if rationale else None,
    )


_PARSERS: dict[str, Callable[[Mapping[str, Any], str, int], ChoiceItem]] = {
    "custom": _custom,
    "hf_arc": _hf_arc,
    "hf_openbookqa": _hf_openbookqa,
    "hf_sciq": _hf_sciq,
    # A cais/mmlu row {question, subject, choices, answer: int} is a custom row; sharing the
    # parser keeps the id and rationale of user rows that happen to have the same keys.
    "hf_mmlu": _custom,
    "gpqa": _gpqa,
    "llm_adapters": _llm_adapters,
    "llmfoundry": _llmfoundry,
    "mmlu_csv": _mmlu_csv,
}


def detect_format(row: Mapping[str, Any]) -> str:
    """Guess a row's format from its keys."""
    keys = set(row)
    if {"instruction", "answer"} <= keys:
        return "llm_adapters"
    if {"query", "choices", "gold"} <= keys:
        return "llmfoundry"
    if {"question_stem", "choices", "answerKey"} <= keys:
        return "hf_openbookqa"
    if {"question", "choices", "answerKey"} <= keys:
        return "hf_arc"
    if {"correct_answer", "distractor1"} <= keys:
        return "hf_sciq"
    if {"Correct Answer", "Incorrect Answer 1"} <= keys:
        return "gpqa"
    if {"question", "A", "B", "answer"} <= keys and "choices" not in keys:
        return (
            "mmlu_csv"
            if keys <= {"question", "A", "B", "C", "D", "answer", "subject"}
            else "custom"
        )
    return "custom"


def parse_rows(
    rows: Sequence[Mapping[str, Any]],
    row_format: str,
    where: str,
    seed: int = 0,
    places: Sequence[str] | None = None,
) -> list[ChoiceItem]:
    """Parse rows of one format ("auto" detects it from the first row).

    `places` says where each row is in its file ("line 12"); by default "data row N", 1-based.
    """
    if not rows:
        return []
    chosen = detect_format(rows[0]) if row_format == "auto" else row_format
    parser = _PARSERS[chosen]
    items = []
    for i, row in enumerate(rows):
        at = f"{where} {places[i] if places else f'data row {i + 1}'}"
        try:
            items.append(parser(row, at, seed))
        except (KeyError, TypeError, AttributeError, IndexError) as exc:
            problem = f"no field {exc}" if isinstance(exc, KeyError) else f"malformed: {exc}"
            raise DataError(
                f"{at}: not a {chosen!r} row ({problem}); fix the row, or set the task's "
                "`format` to the one the file uses"
            ) from exc
    return items


_MMLU_COLUMNS = ("question", "A", "B", "C", "D", "answer")
#: Rows of a local file, and where each one is in it ("line 12", "item 3").
LocalRows = tuple[list[dict[str, Any]], list[str]]


def _mmlu_csv_rows(path: Path, subject: str, label: str = "") -> LocalRows:
    """A headerless MMLU CSV (question, A, B, C, D, answer), one subject per file."""
    reader = csv.reader(io.StringIO(read_utf8(path), newline=""))
    rows, places = [], []
    start = 1
    try:
        for cells in reader:
            if cells:
                if len(cells) != len(_MMLU_COLUMNS):
                    raise DataError(
                        f"{path}: line {start} has {len(cells)} fields; a headerless MMLU CSV "
                        "row is question,A,B,C,D,answer (or add a header with a 'question' column)"
                    )
                rows.append({**dict(zip(_MMLU_COLUMNS, cells, strict=True)), "subject": subject})
                places.append(f"{label}line {start}")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"{path}: line {reader.line_num}: malformed CSV ({exc})") from None
    return rows, places


def _table_rows(path: Path) -> LocalRows:
    table = read_table(path)
    return list(table.rows), [table.where(i) for i in range(len(table.rows))]


def read_local_table(path: Path, split: str = "test") -> LocalRows:
    """Rows of a local JSON array, JSONL or CSV file, or an MMLU-style folder of split CSVs,
    each with where it is in its file.

    For a folder, `split` picks `<folder>/<split>/<subject>_<split>.csv` (the authors' layout);
    the subject is taken from each file name. CSV values stay strings (no type guessing).
    """
    if path.is_dir():
        folder = path / split
        files = sorted(folder.glob(f"*_{split}.csv"))
        if not files:
            raise DataError(f"{path}: no {split}/*_{split}.csv files (the MMLU folder layout)")
        rows: list[dict[str, Any]] = []
        places: list[str] = []
        for file in files:
            subject = file.name.removesuffix(f"_{split}.csv")
            more, where = _mmlu_csv_rows(file, subject, f"({split}/{file.name}) ")
            rows.extend(more)
            places.extend(where)
        return rows, places
    if not path.is_file():
        raise DataError(f"data file not found: {path} (check the task's path)")
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl"):
        return _table_rows(path)
    if suffix == ".csv":
        header = next(csv.reader(io.StringIO(read_utf8(path), newline="")), [])
        if "question" in (column.strip().lower() for column in header):
            return _table_rows(path)
        return _mmlu_csv_rows(path, re.sub(r"_(test|dev|val)$", "", path.stem))
    raise DataError(
        f"{path}: unsupported file type {suffix or '(no extension)'!r}; save the data as .json, "
        ".jsonl or .csv"
    )


def read_local_rows(path: Path, split: str = "test") -> list[dict[str, Any]]:
    """Rows of a local file or MMLU folder (see `read_local_table`), without their places."""
    return read_local_table(path, split)[0]
