"""Where prompts and answers come from: local files or a Backend's generate.

Prompts built from a benchlab task come from `benchlab.tasks.judge_prompts` (a task hands the
judge its prompts; the judge never imports tasks).

Everything ends as `JudgePrompt`s and `{prompt id: answer text}` maps, the only shapes
`run_pairwise_judgement` knows. Answer files are JSONL or a JSON array (AlpacaEval publishes
its model outputs as JSON arrays keyed by instruction text, hence `match_on: question`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchlab.backends.base import Backend
from benchlab.backends.requests import GenerationRequest
from benchlab.config.encoding import read_utf8
from benchlab.errors import DataError
from benchlab.judge.run import JudgePrompt

__all__ = [
    "generate_answers",
    "load_answers_file",
    "load_prompt_file",
    "read_records",
]


def read_records(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """(line or position, record) pairs from a JSONL file or a JSON array of objects."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"file not found: {path}")
    text = read_utf8(path)
    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: not a valid JSON array: {exc}") from exc
        records = list(enumerate(rows, start=1))
    else:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{number}: not valid JSON: {exc}") from exc
    for number, row in records:
        if not isinstance(row, dict):
            raise DataError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
    return records


def _field(path: Path, number: int, row: dict[str, Any], name: str) -> str:
    if name not in row or row[name] is None:
        raise DataError(f"{path}:{number}: missing field {name!r} (fields: {sorted(row)})")
    return str(row[name])


def load_prompt_file(
    path: str | Path,
    *,
    id_field: str = "id",
    question_field: str = "prompt",
    reference_field: str | None = None,
    limit: int | None = None,
) -> list[JudgePrompt]:
    """Prompts from a file; rows without `id_field` get their 0-based position as id."""
    path = Path(path)
    prompts = []
    for position, (number, row) in enumerate(read_records(path)[:limit]):
        prompt_id = str(row[id_field]) if row.get(id_field) is not None else str(position)
        prompts.append(
            JudgePrompt(
                id=prompt_id,
                question=_field(path, number, row, question_field),
                reference=_field(path, number, row, reference_field) if reference_field else None,
            )
        )
    ids = [p.id for p in prompts]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DataError(f"{path}: duplicate prompt ids {duplicates[:5]} in field {id_field!r}")
    return prompts


def _keyed_rows(path: Path, key_field: str, answer_field: str) -> Iterator[tuple[str, str, int]]:
    for number, row in read_records(path):
        yield (
            _field(path, number, row, key_field).strip(),
            _field(path, number, row, answer_field),
            number,
        )


def load_answers_file(
    path: str | Path,
    prompts: Sequence[JudgePrompt],
    *,
    match_on: str = "id",
    id_field: str = "id",
    question_field: str = "instruction",
    answer_field: str = "output",
) -> dict[str, str]:
    """Answers for `prompts` by prompt id, matched on the id or on the question's text."""
    path = Path(path)
    key_field = id_field if match_on == "id" else question_field
    table: dict[str, str] = {}
    for key, answer, number in _keyed_rows(path, key_field, answer_field):
        if key in table and table[key] != answer:
            raise DataError(f"{path}:{number}: two different answers for {key_field}={key!r}")
        table[key] = answer
    answers, missing = {}, []
    for prompt in prompts:
        key = (prompt.id if match_on == "id" else prompt.question).strip()
        if key in table:
            answers[prompt.id] = table[key]
        else:
            missing.append(prompt.id)
    if missing:
        raise DataError(
            f"{path}: no answer for {len(missing)} of {len(prompts)} prompts "
            f"(first: {missing[:3]}) matching on {match_on!r} via field {key_field!r}"
        )
    return answers


def generate_answers(
    backend: Backend, prompts: Sequence[JudgePrompt], *, max_new_tokens: int = 512
) -> dict[str, str]:
    """Greedy chat answers to each prompt from any benchlab backend, batched."""
    answers: dict[str, str] = {}
    step = max(1, backend.batch_size)
    for start in range(0, len(prompts), step):
        chunk = prompts[start : start + step]
        requests = [
            GenerationRequest(prompt=p.question, max_new_tokens=max_new_tokens, chat=True)
            for p in chunk
        ]
        for prompt, result in zip(chunk, backend.generate(requests), strict=True):
            answers[prompt.id] = result.texts[0]
    return answers
