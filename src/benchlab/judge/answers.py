"""Where prompts and answers come from: local files or a Backend's generate.

Prompts built from a benchlab task come from `benchlab.tasks.judge_prompts` (a task hands the
judge its prompts; the judge never imports tasks).

Everything ends as `JudgePrompt`s and `{prompt id: answer text}` maps, the only shapes
`run_pairwise_judgement` knows. Answer files are JSONL or a JSON array (AlpacaEval publishes
its model outputs as JSON arrays keyed by instruction text, hence `match_on: question`).

Files in FastChat's MT-Bench layout are read as they are: a question row's `turns` list is a
conversation, whose turn N > 1 becomes the prompt `ID/turn-N`; an answer field holding a list
of turns, or FastChat's `choices` (`[{"index": 0, "turns": [...]}]`), answers turn N with its
N-th element. Reference answers may be a list per turn too (MT-Bench's `reference`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from benchlab.backends.base import Backend
from benchlab.config.encoding import read_utf8
from benchlab.errors import ConfigError, DataError
from benchlab.judge.records import JudgePrompt
from benchlab.requests import GenerationRequest

__all__ = [
    "ChatSender",
    "PromptRow",
    "generate_answers",
    "generate_follow_ups",
    "load_answers_file",
    "load_prompt_file",
    "read_prompt_rows",
    "read_records",
    "refuse_follow_ups",
    "turn_id",
    "turn_prompts",
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


def _texts(path: Path, number: int, row: dict[str, Any], name: str) -> tuple[str, ...]:
    """A field's text, or its turns when it holds a list (a conversation)."""
    value = row.get(name)
    if not isinstance(value, list):
        return (_field(path, number, row, name),)
    if not value or not all(isinstance(turn, str) for turn in value):
        raise DataError(
            f"{path}:{number}: field {name!r} must be a text or a non-empty list of texts "
            "(one per turn)"
        )
    return tuple(value)


@dataclass(frozen=True)
class PromptRow:
    """One row of a prompt file: its id, the user's turns, a gold answer per turn, its category."""

    id: str
    turns: tuple[str, ...]
    references: tuple[str | None, ...]
    category: str | None = None


def read_prompt_rows(
    path: str | Path,
    *,
    id_field: str = "id",
    question_field: str = "prompt",
    reference_field: str | None = None,
    category_field: str | None = None,
    max_turns: int | None = None,
    limit: int | None = None,
) -> list[PromptRow]:
    """The rows of a prompt file; rows without `id_field` get their 0-based position as id.

    A row without `reference_field` has no gold answer (None); a row without `category_field`
    is an error naming its line.
    """
    path = Path(path)
    rows = []
    for position, (number, row) in enumerate(read_records(path)[:limit]):
        turns = _texts(path, number, row, question_field)[:max_turns]
        golds: tuple[str | None, ...] = ()
        if reference_field is not None and row.get(reference_field) is not None:
            golds = _texts(path, number, row, reference_field)
        rows.append(
            PromptRow(
                id=str(row[id_field]) if row.get(id_field) is not None else str(position),
                turns=turns,
                references=tuple(golds[i] if i < len(golds) else None for i in range(len(turns))),
                category=_field(path, number, row, category_field) if category_field else None,
            )
        )
    ids = [r.id for r in rows]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DataError(f"{path}: duplicate prompt ids {duplicates[:5]} in field {id_field!r}")
    return rows


def turn_id(prompt_id: str, turn: int) -> str:
    """The prompt id of a conversation's turn: the row's id for turn 1, `ID/turn-N` after."""
    return prompt_id if turn == 1 else f"{prompt_id}/turn-{turn}"


def turn_prompts(rows: Sequence[PromptRow], turn: int) -> list[JudgePrompt]:
    """The prompts of one turn of every row that has it, each naming its earlier turns."""
    return [
        JudgePrompt(
            id=turn_id(row.id, turn),
            question=row.turns[turn - 1],
            reference=row.references[turn - 1],
            turn=turn,
            context=tuple(turn_id(row.id, t) for t in range(1, turn)),
        )
        for row in rows
        if len(row.turns) >= turn
    ]


def load_prompt_file(
    path: str | Path,
    *,
    id_field: str = "id",
    question_field: str = "prompt",
    reference_field: str | None = None,
    limit: int | None = None,
) -> list[JudgePrompt]:
    """Single-question prompts from a file; a gold answer, when asked for, must be present."""
    path = Path(path)
    rows = read_prompt_rows(
        path,
        id_field=id_field,
        question_field=question_field,
        reference_field=reference_field,
        limit=limit,
    )
    if any(len(row.turns) > 1 for row in rows):
        raise DataError(f"{path}: field {question_field!r} holds conversations; read them by turn")
    if reference_field is not None:
        for (number, record), row in zip(read_records(path), rows, strict=False):
            if row.references[0] is None:
                _field(path, number, record, reference_field)  # raises, naming the line
    return turn_prompts(rows, 1)


def _answer_turns(path: Path, number: int, row: dict[str, Any], name: str) -> tuple[str, ...]:
    """A row's answer per turn: a text, a list of turns, or FastChat's `choices[0].turns`."""
    value = row.get(name)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        first = value[0]
        if not isinstance(first.get("turns"), list):
            raise DataError(
                f"{path}:{number}: field {name!r} holds objects without `turns`; expected "
                'FastChat\'s choices, [{"index": 0, "turns": [...]}]'
            )
        return _texts(path, number, first, "turns")
    return _texts(path, number, row, name)


def _keyed_rows(
    path: Path, key_field: str, answer_field: str
) -> Iterator[tuple[str, tuple[str, ...], int]]:
    for number, row in read_records(path):
        yield (
            _field(path, number, row, key_field).strip(),
            _answer_turns(path, number, row, answer_field),
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
    questions: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Answers for `prompts` by prompt id, matched on the id or on the question's text.

    A later turn is answered by the N-th turn of its conversation's row, which is matched on
    the conversation's first prompt (its id, or its question, found in `questions` by id).
    """
    path = Path(path)
    key_field = id_field if match_on == "id" else question_field
    table: dict[str, tuple[str, ...]] = {}
    for key, answer, number in _keyed_rows(path, key_field, answer_field):
        if key in table and table[key] != answer:
            raise DataError(f"{path}:{number}: two different answers for {key_field}={key!r}")
        table[key] = answer
    known = {p.id: p.question for p in prompts} | dict(questions or {})
    answers, missing, short = {}, [], []
    for prompt in prompts:
        first = prompt.context[0] if prompt.context else prompt.id
        key = (first if match_on == "id" else known.get(first, prompt.question)).strip()
        if key not in table:
            missing.append(prompt.id)
        elif len(table[key]) < prompt.turn:
            short.append(prompt.id)
        else:
            answers[prompt.id] = table[key][prompt.turn - 1]
    if missing:
        raise DataError(
            f"{path}: no answer for {len(missing)} of {len(prompts)} prompts "
            f"(first: {missing[:3]}) matching on {match_on!r} via field {key_field!r}"
        )
    if short:
        raise DataError(
            f"{path}: {len(short)} answer(s) stop before the turn they are needed for "
            f"(first: {short[:3]}); field {answer_field!r} must hold one answer per turn"
        )
    return answers


def refuse_follow_ups(prompts: Sequence[JudgePrompt]) -> None:
    """Refuse later turns where answers are generated one prompt at a time (local models)."""
    later = [p.id for p in prompts if p.turn > 1]
    if later:
        raise ConfigError(
            f"prompt(s) {later[:3]} are turn 2 or later of a conversation, which a local model "
            "answers one prompt at a time here; serve it behind an endpoint, give this side's "
            "answers as a file (FastChat's model_answer/*.jsonl reads as is) or set "
            "prompts.max_turns: 1"
        )


def generate_answers(
    backend: Backend, prompts: Sequence[JudgePrompt], *, max_new_tokens: int = 512
) -> dict[str, str]:
    """Greedy chat answers to each prompt from any benchlab backend, batched.

    Later turns of a conversation cannot be generated from a single prompt: they are refused.
    """
    refuse_follow_ups(prompts)
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


class ChatSender(Protocol):
    """A chat endpoint client that builds request bodies and sends them (`MeteredClient`)."""

    def payload(self, messages: Sequence[Mapping[str, str]], **options: Any) -> dict[str, Any]:
        """The JSON body of a chat request."""

    def send(self, body: Mapping[str, Any]) -> Any:
        """The reply (with `.text`) to a body."""


def generate_follow_ups(
    client: ChatSender,
    prompts: Sequence[JudgePrompt],
    answers: Mapping[str, str],
    *,
    max_new_tokens: int = 512,
) -> dict[str, str]:
    """Answers to later turns through a chat endpoint, each sent with its conversation so far.

    `answers` holds the first turns (generated with the same options, greedy); turns are
    answered in order, so turn N sees this side's own answers to turns 1..N-1.
    """
    by_id = {p.id: p for p in prompts}
    answers = dict(answers)
    for prompt in sorted((p for p in prompts if p.turn > 1), key=lambda p: p.turn):
        messages = []
        for earlier in prompt.context:
            messages.append({"role": "user", "content": by_id[earlier].question})
            messages.append({"role": "assistant", "content": answers[earlier]})
        messages.append({"role": "user", "content": prompt.question})
        body = client.payload(
            messages, temperature=0.0, max_tokens=max_new_tokens, top_p=1.0, stop=(), seed=0
        )
        answers[prompt.id] = client.send(body).text
    return answers
