"""`benchlab judge` over real HTTP against a faulty fake endpoint: verdicts, resume, budget, key.

The server counts every request, so duplicate paid calls after a crash would show up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from benchlab.cli.judge import EXIT_BUDGET, judge_command
from tests.judge.fake_openai import KEY_ENV, SECRET_KEY
from tests.judge.study import EXPECTED, N_PAIRS, write_study


def _reject(constant: str) -> None:
    raise AssertionError(f"judge_results.json holds {constant}, which is not valid JSON")


def _results(root: Path) -> dict:
    text = (root / "out" / "judge_results.json").read_text(encoding="utf-8")
    return json.loads(text, parse_constant=_reject)


def _assert_key_never_written(*dirs: Path) -> None:
    files = [f for d in dirs for f in d.rglob("*") if f.is_file()]
    assert files
    for file in files:
        assert SECRET_KEY.encode() not in file.read_bytes(), f"API key leaked into {file}"


def _assert_no_duplicate_calls(server, out: Path) -> None:
    """Each request body was answered once, twice only for a deliberately repeated judgment."""
    lines = (out / "predictions.jsonl").read_text().splitlines()
    repeats = sum(json.loads(line)["repeat_judge_text"] is not None for line in lines)
    counts = sorted(server.ok_by_body.values())
    assert counts.count(2) == repeats and counts[-1] <= 2


def test_faulty_endpoint_gives_right_verdicts_and_rerun_is_free(chat_server, tmp_path) -> None:
    chat_server.faults.extend(["429", "500", "hang", "malformed", "truncated", "no_choices"])
    config = write_study(tmp_path, chat_server.base_url, KEY_ENV)
    assert judge_command(config) == 0

    results = _results(tmp_path)
    assert results["complete"] and results["judged_pairs"] == N_PAIRS
    categories = results["candidates"]["mine"]["categories"]
    for name, expected in EXPECTED.items():
        got = categories[name]
        assert (got["wins"], got["losses"], got["ties"], got["unparseable"]) == expected
    assert categories["creativity"]["warning"]  # 5 prompts support no claim
    assert categories["knowledge"]["position_flips"] == 1
    assert results["judge_quality"]["position_flip_rate"]["value"] == pytest.approx(1 / 14)

    out = tmp_path / "out"
    predictions = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert len(predictions) == N_PAIRS
    repeats = sum(p["repeat_judge_text"] is not None for p in predictions)
    assert 0 < repeats < N_PAIRS  # a seeded quarter of the pairs is judged a second time

    paid = results["cost"]["paid_calls"]
    assert paid == chat_server.ok_total == 2 * N_PAIRS + repeats
    _assert_no_duplicate_calls(chat_server, out)  # retries never produced a second answer
    assert len(chat_server.requests) == paid + 6  # each fault cost exactly one retry
    assert results["cost"]["spent_usd"] > 0
    k5 = next(p for p in predictions if p["id"] == "k5")
    assert (k5["outcome"], k5["position_flip"]) == ("tie", True)
    assert "[[A]]" in k5["judge_text_candidate_as_a"] and "[[A]]" in k5["judge_text_candidate_as_b"]
    m4 = next(p for p in predictions if p["id"] == "m4")
    assert m4["outcome"] == "unparseable" and m4["score"] is None
    math_prompt = next(r for r in chat_server.requests if "math question m1?" in str(r))
    assert "[The Start of Reference Answer]\n42" in math_prompt["messages"][-1]["content"]
    assert (out / "judge_wlt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (out / "judge_table.csv").read_text().splitlines()
    assert table[0].startswith("candidate,reference,category,n,wins,losses,ties")
    assert any(line.startswith("mine,gpt4,overall (weighted)") for line in table)

    requests_before = len(chat_server.requests)
    assert judge_command(config) == 0
    assert len(chat_server.requests) == requests_before  # zero new calls
    rerun = _results(tmp_path)
    assert rerun["cost"]["paid_calls"] == 0 and rerun["cost"]["cached_calls"] == paid
    assert rerun["candidates"] == results["candidates"]
    _assert_key_never_written(out)


def test_sigkill_mid_run_then_rerun_makes_no_duplicate_calls(chat_server, tmp_path) -> None:
    config = write_study(tmp_path, chat_server.base_url, KEY_ENV, concurrency=1)
    chat_server.kill_at_ok = 9
    process = subprocess.Popen(
        [sys.executable, "-c", "from benchlab.cli.main import app; app()", "judge", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    chat_server.kill_pid = process.pid
    assert process.wait(timeout=60) == -9  # killed by the server at the 10th call
    assert chat_server.ok_total == 9
    assert not (tmp_path / "out" / "judge_results.json").exists()

    chat_server.kill_at_ok = None
    assert judge_command(config) == 0
    results = _results(tmp_path)
    assert results["complete"]
    assert results["cost"]["cached_calls"] == 9
    _assert_no_duplicate_calls(chat_server, tmp_path / "out")
    assert chat_server.ok_total == results["cost"]["paid_calls"] + 9
    _assert_key_never_written(tmp_path / "out")


def test_budget_cap_stops_at_the_cap_and_keeps_judged_pairs(chat_server, tmp_path) -> None:
    prices = {"max_usd": 5.0, "price_input_per_million": 1000.0, "price_output_per_million": 1000.0}
    config = write_study(tmp_path, chat_server.base_url, KEY_ENV, budget=prices, concurrency=1)
    assert judge_command(config) == EXIT_BUDGET

    results = _results(tmp_path)
    cost = results["cost"]
    assert not results["complete"] and "budget" in results["stopped_reason"]
    assert 0 < results["judged_pairs"] < N_PAIRS
    assert results["judged_pairs"] + results["unjudged_pairs"] == N_PAIRS
    assert cost["paid_calls"] == chat_server.ok_total
    assert cost["spent_usd"] <= 5.0
    # stopped because the next call's worst case (prompt chars / 2 in, max_tokens out) did not fit
    longest = max(sum(len(m["content"]) for m in r["messages"]) for r in chat_server.requests)
    worst_case = ((longest / 2 + 16) + 64) * 1000.0 / 1e6
    assert cost["spent_usd"] > 5.0 - worst_case
    assert results["warnings"][0].startswith("run stopped early")
    lines = (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == results["judged_pairs"]

    # A rerun does not get a fresh budget: what was spent before counts against the same cap.
    paid = chat_server.ok_total
    assert judge_command(config) == EXIT_BUDGET
    rerun = _results(tmp_path)
    assert chat_server.ok_total == paid + rerun["cost"]["paid_calls"]
    assert rerun["cost"]["cached_calls"] == paid
    assert rerun["cost"]["spent_usd"] < worst_case  # only the crumbs that were left
    assert rerun["cost"]["study_spent_usd"] == pytest.approx(
        cost["spent_usd"] + rerun["cost"]["spent_usd"]
    )
    assert rerun["cost"]["study_spent_usd"] <= 5.0

    _set_budget(config, 6.0)  # a raised cap continues the same account: one more dollar
    assert judge_command(config) == EXIT_BUDGET
    raised = _results(tmp_path)["cost"]
    assert 0 < raised["spent_usd"] <= 6.0 - rerun["cost"]["study_spent_usd"]
    assert raised["study_spent_usd"] <= 6.0

    _set_budget(config, None)
    assert judge_command(config) == 0
    assert _results(tmp_path)["complete"]
    _assert_no_duplicate_calls(chat_server, tmp_path / "out")

    # Cached replies are free: a capped rerun of a finished study needs no budget at all.
    study_total = _results(tmp_path)["cost"]["study_spent_usd"]
    _set_budget(config, 0.01)
    calls = chat_server.ok_total
    assert judge_command(config) == 0
    final = _results(tmp_path)
    assert final["complete"] and chat_server.ok_total == calls
    assert final["cost"]["paid_calls"] == 0 and final["cost"]["study_spent_usd"] == study_total
    _assert_key_never_written(tmp_path / "out")


def _set_budget(config: Path, max_usd: float | None) -> None:
    data = yaml.safe_load(config.read_text())
    data["budget"]["max_usd"] = max_usd
    config.write_text(yaml.safe_dump(data))
