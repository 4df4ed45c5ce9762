"""MT-Bench / FastChat files as they are: categories by field, two turns, per-turn tables.

The fake judge decides a multi-turn judgment on each conversation's last answer only, so the
expected outcomes of turn 2 differ from turn 1's by design; a judge shown the wrong turn, or the
wrong side's earlier answer, gives other numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.errors import ConfigError, DataError
from benchlab.judge.categories import build_categories
from benchlab.judge.config import load_judge_config
from tests.judge.fake_openai import KEY_ENV, SECRET_KEY, is_judgment

# question id -> (category, candidate turn-1 marker, reference turn 1, candidate turn 2, ref turn 2)
QUESTIONS: dict[int, tuple[str, str, str, str, str]] = {
    81: ("writing", "GOOD", "BAD", "BAD", "GOOD"),  # win, then loss
    82: ("writing", "GOOD", "BAD", "GOOD", "BAD"),  # win, win
    83: ("writing", "BAD", "GOOD", "GOOD", "GOOD"),  # loss, tie
    111: ("math", "BAD", "GOOD", "GOOD", "BAD"),  # loss, win
    112: ("math", "GOOD", "GOOD", "GOOD", "BAD"),  # tie, win
    91: ("roleplay", "GOOD", "BAD", "BAD", "BAD"),  # win, tie
    92: ("roleplay", "BIASED", "BAD", "BAD", "GOOD"),  # position flip (tie), loss
}
# category name -> (wins, losses, ties)
EXPECTED = {
    "writing": (2, 1, 0),
    "math": (0, 1, 1),
    "roleplay": (1, 0, 1),
    "writing (turn 2)": (1, 1, 1),
    "math (turn 2)": (2, 0, 0),
    "roleplay (turn 2)": (0, 1, 1),
}


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _answer(marker: str, qid: int, turn: int) -> str:
    return f"{marker} answer to {qid}, turn {turn}"


def write_mt_bench(root: Path, base_url: str, **overrides: Any) -> Path:
    """question.jsonl and model_answer/*.jsonl in FastChat's layout, and a judge config."""
    questions, mine, ref = [], [], []
    for qid, (category, c1, r1, c2, r2) in QUESTIONS.items():
        row: dict[str, Any] = {
            "question_id": qid,
            "category": category,
            "turns": [f"first question {qid}?", f"follow-up question {qid}?"],
        }
        if category == "math":
            row["reference"] = [f"gold {qid} one", f"gold {qid} two"]
        questions.append(row)
        for rows, model, (t1, t2) in ((mine, "mine", (c1, c2)), (ref, "ref", (r1, r2))):
            turns = [_answer(t1, qid, 1), _answer(t2, qid, 2)]
            rows.append(
                {
                    "question_id": qid,
                    "answer_id": f"{model}-{qid}",
                    "model_id": model,
                    "choices": [{"index": 0, "turns": turns}],
                    "tstamp": 1700000000.0,
                }
            )
    _jsonl(root / "mt_bench" / "question.jsonl", questions)
    _jsonl(root / "mt_bench" / "model_answer" / "mine.jsonl", mine)
    _jsonl(root / "mt_bench" / "model_answer" / "ref.jsonl", ref)
    fastchat = {"id_field": "question_id", "answer_field": "choices"}
    config: dict[str, Any] = {
        "judge": {
            "endpoint": {"base_url": base_url, "model": "fake-judge", "api_key_env": KEY_ENV},
            "max_tokens": 64,
        },
        "categories": [
            {
                "prompts": {
                    "file": "mt_bench/question.jsonl",
                    "id_field": "question_id",
                    "question_field": "turns",
                    "reference_field": "reference",
                    "category_field": "category",
                },
                "reference_guided": ["math"],
            }
        ],
        "candidates": [
            {"name": "mine", "answers": {"file": "mt_bench/model_answer/mine.jsonl", **fastchat}}
        ],
        "reference": {
            "name": "ref",
            "answers": {"file": "mt_bench/model_answer/ref.jsonl", **fastchat},
        },
        "budget": {"price_input_per_million": 2.5, "price_output_per_million": 10.0},
        "concurrency": 3,
        "repeat_fraction": 0.0,
        "n_resamples": 200,
        "output_dir": str(root / "out"),
        **overrides,
    }
    path = root / "judge.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _user_messages(server, needle: str) -> list[str]:
    contents = [r["messages"][-1]["content"] for r in server.requests]
    return [c for c in contents if is_judgment(c) and needle in c]


def test_mt_bench_files_give_per_category_tables_for_each_turn(chat_server, tmp_path) -> None:
    config = write_mt_bench(tmp_path, chat_server.base_url)
    result = CliRunner().invoke(app, ["judge", str(config)])
    assert result.exit_code == 0, result.output
    assert SECRET_KEY not in result.output

    summary = json.loads((tmp_path / "out" / "judge_results.json").read_text())
    categories = summary["candidates"]["mine"]["categories"]
    assert list(categories) == list(EXPECTED)  # turn 1 of every category, then turn 2
    for name, expected in EXPECTED.items():
        got = categories[name]
        assert (got["wins"], got["losses"], got["ties"]) == expected, name
    assert categories["roleplay"]["position_flips"] == 1
    turns = summary["candidates"]["mine"]["turns"]
    assert (turns["1"]["wins"], turns["1"]["losses"], turns["1"]["ties"]) == (3, 2, 2)
    assert (turns["2"]["wins"], turns["2"]["losses"], turns["2"]["ties"]) == (3, 2, 2)
    assert summary["templates"]["math (turn 2)"] == "pairwise-reference-multi-turn-v1"
    assert summary["templates"]["writing (turn 2)"] == "pairwise-multi-turn-v1"
    assert summary["templates"]["writing"] == "pairwise-v2"

    # the printed output: one table per turn, each listing every category of that turn
    out = result.output
    first, second = out.index("mine vs ref (turn 1)"), out.index("mine vs ref (turn 2)")
    assert first < second
    turn_one, turn_two = out[first:second], out[second : out.index("overall (pooled)")]
    for name, (w, l_, t) in EXPECTED.items():
        table = turn_two if name.endswith("(turn 2)") else turn_one
        row = next(line for line in table.splitlines() if line[2:30].strip() == name)
        assert row[30:].split()[1:4] == [str(w), str(l_), str(t)], row
    assert "turn 2 (pooled)" in turn_two
    table = (tmp_path / "out" / "judge_table.csv").read_text()
    assert "mine,ref,writing (turn 2),3,1,1,1" in table and "mine,ref,turn 2 (pooled),7," in table

    # turn 2 is judged with turn 1 as context: each side's own first answer, in its conversation
    (candidate_first,) = [
        m
        for m in _user_messages(chat_server, "follow-up question 81?")
        if m.index("GOOD answer to 81, turn 1") < m.index("BAD answer to 81, turn 1")
    ]
    conversation_a, conversation_b = candidate_first.split("\n\n\n")
    for text in ("first question 81?", "follow-up question 81?"):
        assert text in conversation_a and text in conversation_b
    assert conversation_a.index("GOOD answer to 81, turn 1") < conversation_a.index(
        "BAD answer to 81, turn 2"
    )
    assert "BAD answer to 81, turn 1" in conversation_b
    assert "GOOD answer to 81, turn 2" in conversation_b
    math_two = _user_messages(chat_server, "follow-up question 111?")
    assert len(math_two) == 2 and all("gold 111 two" in m for m in math_two)
    math_one = _user_messages(chat_server, "[User Question]\nfirst question 111?")
    assert len(math_one) == 2 and all("gold 111 one" in m for m in math_one)
    predictions = (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()
    ids = sorted(json.loads(line)["id"] for line in predictions)
    assert ids == sorted([str(q) for q in QUESTIONS] + [f"{q}/turn-2" for q in QUESTIONS])


def test_category_field_splits_a_single_turn_file(chat_server, tmp_path) -> None:
    # AlpacaEval's eval set names its source in `dataset`; one file becomes five categories.
    rows = [
        {"instruction": f"task {i}?", "dataset": f"set-{i % 5}", "output": "GOOD"}
        for i in range(15)
    ]
    _jsonl(tmp_path / "eval.jsonl", rows)
    answers = [{"instruction": f"task {i}?", "output": "BAD"} for i in range(15)]
    _jsonl(tmp_path / "ref.jsonl", answers)
    config = write_mt_bench(
        tmp_path,
        chat_server.base_url,
        categories=[
            {
                "name": "alpaca",
                "prompts": {
                    "file": "eval.jsonl",
                    "question_field": "instruction",
                    "category_field": "dataset",
                },
            }
        ],
        candidates=[{"name": "mine", "answers": {"file": "eval.jsonl", "match_on": "question"}}],
        reference={"name": "ref", "answers": {"file": "ref.jsonl", "match_on": "question"}},
    )
    result = CliRunner().invoke(app, ["judge", str(config)])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "judge_results.json").read_text())
    categories = summary["candidates"]["mine"]["categories"]
    assert list(categories) == [f"alpaca/set-{i}" for i in range(5)]
    assert all((c["n"], c["wins"]) == (3, 3) for c in categories.values())
    assert "turns" not in summary["candidates"]["mine"]  # single questions: no per-turn rows
    assert "(turn 1)" not in result.output


def test_one_answer_per_prompt_callers_refuse_conversations(tmp_path) -> None:
    path = write_mt_bench(tmp_path, "http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match=r"writing.*2 turns.*max_turns: 1"):
        build_categories(load_judge_config(path))  # the matrix task's call: one answer a prompt
    data = yaml.safe_load(path.read_text())
    data["categories"][0]["prompts"]["max_turns"] = 1
    path.write_text(yaml.safe_dump(data))
    categories = build_categories(load_judge_config(path))
    assert [c.name for c in categories] == ["writing", "math", "roleplay"]


def test_mt_bench_input_mistakes_name_the_fix(chat_server, tmp_path, monkeypatch) -> None:
    config = write_mt_bench(tmp_path, chat_server.base_url)
    runner = CliRunner()
    answers = tmp_path / "mt_bench" / "model_answer" / "mine.jsonl"
    rows = [json.loads(line) for line in answers.read_text().splitlines()]
    rows[0]["choices"][0]["turns"] = rows[0]["choices"][0]["turns"][:1]
    _jsonl(answers, rows)
    result = runner.invoke(app, ["judge", str(config)])
    assert result.exit_code == 2 and "one answer per turn" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()  # refused before anything (a cache file) is written

    local = {"name": "tiny", "path": "builtin:tiny-causal", "kind": "causal"}
    data = yaml.safe_load(config.read_text())
    data["candidates"] = [{"name": "tiny", "model": local}]
    config.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["judge", str(config)])
    assert result.exit_code == 2 and "serve it behind an endpoint" in result.output
    assert not (tmp_path / "out").exists()

    data = yaml.safe_load(config.read_text())
    data["categories"][0]["reference_guided"] = ["maths"]
    config.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["judge", str(config)])
    assert result.exit_code == 2 and "['maths']" in result.output

    questions = tmp_path / "mt_bench" / "question.jsonl"
    lines = questions.read_text().splitlines()
    del_category = json.loads(lines[2])
    del del_category["category"]
    questions.write_text("\n".join([*lines[:2], json.dumps(del_category)]) + "\n")
    with pytest.raises(DataError, match=r"question\.jsonl:3: missing field 'category'"):
        build_categories(load_judge_config(config), multi_turn=True)
    assert chat_server.requests == []  # bad input: nothing judged, nothing paid


def test_an_endpoint_answers_the_second_turn_with_its_own_first_answer(
    chat_server, tmp_path
) -> None:
    endpoint = {"base_url": chat_server.base_url, "model": "ref-model", "api_key_env": KEY_ENV}
    config = write_mt_bench(
        tmp_path,
        chat_server.base_url,
        reference={"name": "api-ref", "endpoint": endpoint, "max_new_tokens": 40},
    )
    result = CliRunner().invoke(app, ["judge", str(config)])
    assert result.exit_code == 0, result.output
    generations = [r for r in chat_server.requests if r["model"] == "ref-model"]
    assert len(generations) == 2 * len(QUESTIONS)
    follow_up = next(r for r in generations if "follow-up question 81?" in str(r))
    first = next(r for r in generations if r["messages"][-1]["content"] == "first question 81?")
    assert [m["role"] for m in follow_up["messages"]] == ["user", "assistant", "user"]
    assert follow_up["messages"][0] == first["messages"][0]
    assert follow_up["messages"][1]["content"] == "answer to: first question 81?"
    assert follow_up["max_tokens"] == first["max_tokens"] == 40
    before = len(chat_server.requests)
    assert CliRunner().invoke(app, ["judge", str(config)]).exit_code == 0
    assert len(chat_server.requests) == before  # generated turns are cached like judgments
