"""The judge as a matrix task: the tiny causal model answers, a scripted fake judge compares.

The fake judge decides from a marker in the reference's answer alone, whatever the tiny model
generates, so every category's W/L/T is known by hand. A rerun into a fresh run directory
must make zero new calls: every judgment comes from the SQLite cache in BENCHLAB_CACHE.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from scipy.stats import binomtest

from benchlab.errors import ConfigError
from benchlab.quickstart.resources import cache_dir, resolve_builtin_data
from benchlab.runner.planning import load_plan
from benchlab.runner.run import run_plan
from benchlab.tasks.base import EvalContext
from tests.judge.fake_openai import KEY_ENV, SECRET_KEY, FakeChatServer

_ANSWER = re.compile(
    r"\[The Start of Assistant ([AB])'s Answer\]\n(.*?)\n\[The End of Assistant \1's Answer\]",
    re.DOTALL,
)
# The reference's marker decides the pair, from the candidate's side.
_REFERENCE_VERDICT = {"REFLOSES": "win", "REFWINS": "loss", "REFTIES": "tie"}


def reference_marker_verdict(body: dict[str, Any]) -> str:
    """Judge text from the marker in whichever answer is the reference's."""
    answers = dict(_ANSWER.findall(body["messages"][-1]["content"]))
    reference_side = next(side for side, text in answers.items() if "REF" in text)
    text = answers[reference_side]
    if "REFGARBLED" in text:
        return "Both have merits."
    if "REFFLIP" in text:
        return "The first one. [[A]]"
    outcome = next(v for marker, v in _REFERENCE_VERDICT.items() if marker in text)
    if outcome == "tie":
        return "Equal. [[C]]"
    candidate_side = "B" if reference_side == "A" else "A"
    return f"[[{candidate_side if outcome == 'win' else reference_side}]]"


MARKERS = {
    "knowledge": {"k1": "REFLOSES", "k2": "REFLOSES", "k3": "REFWINS", "k4": "REFTIES"},
    "math": {"m1": "REFLOSES", "m2": "REFWINS", "m3": "REFWINS", "m4": "REFGARBLED"},
}
# (wins, losses, ties, unparseable); the two sentiment prompts get REFFLIP: a flip, so ties
EXPECTED = {"knowledge": (2, 1, 1, 0), "math": (1, 2, 0, 1), "sentiment": (0, 0, 2, 0)}
N_PAIRS = 10


@pytest.fixture
def judge_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatServer]:
    monkeypatch.setenv(KEY_ENV, SECRET_KEY)
    server = FakeChatServer(api_key=SECRET_KEY, verdict=reference_marker_verdict)
    server.base_url = server.start()  # type: ignore[attr-defined]
    yield server
    server.stop()


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _write_config(root: Path, model_dir: Path, base_url: str) -> Path:
    sentiment = resolve_builtin_data("builtin:sentiment/eval.jsonl")
    sentiment_ids = [json.loads(x)["id"] for x in sentiment.read_text().splitlines()[:2]]
    _jsonl(
        root / "prompts" / "knowledge.jsonl",
        [{"id": k, "prompt": f"Q {k}?"} for k in "k1 k2 k3 k4".split()],
    )
    _jsonl(
        root / "prompts" / "math.jsonl",
        [{"id": m, "prompt": f"What is {m}?", "gold": "42"} for m in MARKERS["math"]],
    )
    reference = [
        {"id": pid, "output": f"{marker} reference answer"}
        for markers in MARKERS.values()
        for pid, marker in markers.items()
    ]
    reference += [{"id": f"sent/{i}", "output": "REFFLIP reference"} for i in sentiment_ids]
    _jsonl(root / "answers" / "reference.jsonl", reference)
    config = {
        "name": "judge-matrix-test",
        "models": [
            {
                "name": "tiny",
                "path": str(model_dir),
                "kind": "causal",
                "batch_size": 4,
                "max_length": 256,
            }
        ],
        "tasks": [
            {
                "name": "chat",
                "type": "pairwise_judge",
                "categories": [
                    {
                        "name": "knowledge",
                        "prompts": {"file": "prompts/knowledge.jsonl"},
                        "weight": 2,
                    },
                    {
                        "name": "math",
                        "reference_guided": True,
                        "prompts": {"file": "prompts/math.jsonl", "reference_field": "gold"},
                    },
                    {
                        "name": "sentiment",
                        "prompts": {
                            "limit": 2,
                            "task": {
                                "name": "sent",
                                "type": "classification",
                                "eval": str(sentiment),
                                "columns": {"id": "id"},
                                "label_names": ["negative", "positive"],
                                "template": "Review: {text}\nSentiment:",
                            },
                        },
                    },
                ],
                "reference": {"name": "gpt4", "answers": {"file": "answers/reference.jsonl"}},
                "judge": {
                    "endpoint": {
                        "base_url": base_url,
                        "model": "fake-judge",
                        "api_key_env": KEY_ENV,
                    },
                    "max_tokens": 32,
                },
                "budget": {"price_input_per_million": 2.5, "price_output_per_million": 10.0},
                "max_new_tokens": 6,
                "repeat_fraction": 0.3,
                "concurrency": 3,
                "timeout_s": 5,
                "retries": 2,
                "backoff_base_s": 0.001,
            }
        ],
        "modes": [{"name": "zero-shot", "type": "zero_shot"}],
        "profiles": {"test": {"latency_examples": 3, "bootstrap_resamples": 200}},
        "default_profile": "test",
    }
    path = root / "matrix.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _wilson(successes: int, n: int) -> tuple[float, float]:
    ci = binomtest(successes, n).proportion_ci(method="wilson")
    return float(ci.low), float(ci.high)


def test_judge_matrix_metrics_files_and_free_rerun(
    tiny_causal_dir: Path, judge_server: FakeChatServer, tmp_path: Path
) -> None:
    config = _write_config(tmp_path, tiny_causal_dir, judge_server.base_url)  # type: ignore[attr-defined]
    summary = run_plan(load_plan(config), tmp_path / "run1")
    assert summary.errors == {}
    experiment = tmp_path / "run1" / "experiments" / "tiny_chat_zero-shot"
    results = json.loads((experiment / "results.json").read_text())
    assert results["task_family"] == "judge" and results["n_eval"] == N_PAIRS
    metrics = results["metrics"]
    assert next(iter(metrics)) == "score"  # the headline metric
    for category, (wins, losses, ties, _) in EXPECTED.items():
        n = wins + losses + ties
        score = metrics[f"score/{category}"]
        assert score["value"] == pytest.approx((wins + ties / 2) / n)
        assert score["n"] == n and score["ci_method"] == "wilson"  # n < 30: never bootstrap
        assert score["ci_low"] < score["value"] or score["value"] == 0
        if wins + losses:
            win_rate = metrics[f"win_rate/{category}"]
            assert win_rate["value"] == pytest.approx(wins / (wins + losses))
            assert (win_rate["ci_low"], win_rate["ci_high"]) == pytest.approx(
                _wilson(wins, wins + losses)
            )
        else:
            assert f"win_rate/{category}" not in metrics  # undefined without decisive pairs
    assert metrics["score"]["value"] == pytest.approx((3 + 3 / 2) / 9)  # math m4 unscored
    assert metrics["win_rate"]["value"] == pytest.approx(3 / 6)
    assert metrics["position_flip_rate"]["value"] == pytest.approx(2 / 9)

    predictions = [
        json.loads(x) for x in (experiment / "predictions.jsonl").read_text().splitlines()
    ]
    by_id = {p["id"]: p for p in predictions}
    assert by_id["k1"]["outcome"] == "win" and by_id["k1"]["correct"] is True
    assert by_id["k3"]["outcome"] == "loss" and by_id["k3"]["correct"] is False
    assert by_id["m4"]["outcome"] == "unparseable" and by_id["m4"]["score"] is None
    assert by_id["m1"]["gold_answer"] == "42" and by_id["m1"]["group"] == "math"
    flip = by_id[next(i for i in by_id if i.startswith("sent/"))]
    assert (flip["outcome"], flip["position_flip"]) == ("tie", True)
    assert "[[A]]" in flip["judge_text_candidate_as_a"]
    assert "Options: negative | positive\nSentiment:" in flip["input"]  # choices shown
    assert all(p["verdict_candidate_as_a"] is not None for p in predictions if p["id"] != "m4")
    math_call = next(r for r in judge_server.requests if "What is m1?" in str(r))
    assert "[The Start of Reference Answer]\n42" in math_call["messages"][-1]["content"]

    judge_dir = experiment / "judge"
    assert (judge_dir / "judge_wlt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (judge_dir / "judge_table.csv").read_text().splitlines()
    assert table[1].startswith("tiny_chat_zero-shot,gpt4,knowledge,4,2,1,1,0,")
    summary_json = json.loads((judge_dir / "judge_results.json").read_text())
    assert summary_json["judge_quality"]["position_flip_rate"]["value"] == pytest.approx(2 / 9)
    repeats = sum(p["repeat_judge_text"] is not None for p in predictions)
    calls = 2 * N_PAIRS + repeats
    assert summary_json["cost"]["paid_calls"] == calls == judge_server.ok_total
    assert len(judge_server.requests) == calls  # the latency pass judged nothing again
    assert (cache_dir() / "judge" / "replies.sqlite").is_file()

    assert run_plan(load_plan(config), tmp_path / "run2").errors == {}
    assert len(judge_server.requests) == calls  # a fresh run dir, every verdict from the cache
    rerun = tmp_path / "run2" / "experiments" / "tiny_chat_zero-shot"
    assert json.loads((rerun / "results.json").read_text())["metrics"] == metrics
    cost = json.loads((rerun / "judge" / "judge_results.json").read_text())["cost"]
    assert (cost["paid_calls"], cost["cached_calls"]) == (0, calls)

    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    files += list((cache_dir() / "judge").glob("*"))
    for file in files:
        assert SECRET_KEY.encode() not in file.read_bytes(), f"API key leaked into {file}"


def _unloaded_model_dir(root: Path) -> Path:
    """A model folder that passes config validation; tests that use it never load the model."""
    folder = root / "unloaded-model"
    folder.mkdir(exist_ok=True)
    (folder / "config.json").write_text("{}", encoding="utf-8")
    return folder


def test_missing_prompt_file_fails_validation(tmp_path: Path) -> None:
    config = _write_config(tmp_path, _unloaded_model_dir(tmp_path), "http://127.0.0.1:9/v1")
    (tmp_path / "prompts" / "math.jsonl").unlink()
    with pytest.raises(ConfigError, match=r"math\.jsonl"):
        load_plan(config)


def _task(root: Path, base_url: str, **overrides: Any) -> Any:
    """The pairwise_judge task of the test config, built directly (no model, no runner)."""
    from benchlab.tasks.registry import build_task

    spec = load_plan(_write_config(root, _unloaded_model_dir(root), base_url)).experiments[0].task
    return build_task(spec.task_type, spec.name, {**spec.options, **overrides})


def _answer(text: str) -> list[Any]:
    from benchlab.requests import GenerationResult

    return [GenerationResult((text,))]


def test_budget_stop_fails_the_chunk_and_a_rerun_pays_only_for_the_rest(
    judge_server: FakeChatServer, tmp_path: Path
) -> None:
    from benchlab.judge.session import JudgeIncompleteError

    url = judge_server.base_url  # type: ignore[attr-defined]
    cache = str(tmp_path / "replies.sqlite")
    capped = {"max_usd": 3.0, "price_input_per_million": 1e3, "price_output_per_million": 1e3}
    task = _task(tmp_path, url, budget=capped, cache=cache, concurrency=1, repeat_fraction=0)
    examples = task.load_split("eval")[:8]
    answers = [_answer(f"my answer {e.id}") for e in examples]
    with pytest.raises(JudgeIncompleteError, match="budget"):
        task.score_batch(examples, answers)
    paid = judge_server.ok_total
    assert 0 < paid < 2 * len(examples)

    task = _task(tmp_path, url, cache=cache, concurrency=1, repeat_fraction=0)
    predictions = task.score_batch(examples, answers)
    assert judge_server.ok_total == 2 * len(examples)  # nothing judged twice
    assert task.outcome(predictions).cost["cached_calls"] == paid
    assert task.score_batch(examples[:2], answers[:2]) == predictions[:2]  # latency pass: memo
    assert judge_server.ok_total == 2 * len(examples)
    assert [p.details["outcome"] for p in predictions[:4]] == ["win", "win", "loss", "tie"]


def test_experiments_sharing_a_cache_stop_at_the_run_wide_cap(
    judge_server: FakeChatServer, tmp_path: Path
) -> None:
    """Each matrix experiment builds its own task and session; the cap still holds for all."""
    from benchlab.judge.budget import budget_scope
    from benchlab.judge.cache import ReplyStore
    from benchlab.judge.session import JudgeIncompleteError

    url = judge_server.base_url  # type: ignore[attr-defined]
    cache = tmp_path / "replies.sqlite"
    cap = 2.0  # a judgment costs about $0.29 here, and up to $0.62 in the worst case
    capped = {"max_usd": cap, "price_input_per_million": 1e3, "price_output_per_million": 1e3}
    options = {"budget": capped, "cache": str(cache), "concurrency": 1, "repeat_fraction": 0}
    first = _task(tmp_path, url, **options)  # what runner/experiment.py does per experiment
    examples = first.load_split("eval")[:2]
    first.score_batch(examples, [_answer(f"model one on {e.id}") for e in examples])
    first_spent = first.outcome([]).cost["spent_usd"]
    assert 0 < first_spent < cap and judge_server.ok_total == 4

    second = _task(tmp_path, url, **options)
    with pytest.raises(JudgeIncompleteError, match="budget"):
        second.score_batch(examples, [_answer(f"model two on {e.id}") for e in examples])
    cost = second.outcome([]).cost
    assert 0 < cost["paid_calls"] < 4  # alone, it had enough budget for all four calls
    assert cost["spent_usd"] < cap - first_spent + 1e-9
    assert cost["study_spent_usd"] == pytest.approx(first_spent + cost["spent_usd"])
    assert ReplyStore(cache).spent_usd(budget_scope(first.options)) <= cap

    paid = judge_server.ok_total
    rerun = _task(tmp_path, url, **options)  # a rerun does not get a fresh budget
    with pytest.raises(JudgeIncompleteError, match="budget"):
        rerun.score_batch(examples, [_answer(f"model two on {e.id}") for e in examples])
    assert judge_server.ok_total == paid  # what was paid is cached, what is left does not fit


def test_training_pairs_use_the_prompt_template(tmp_path: Path) -> None:
    from benchlab.errors import DataError

    _jsonl(tmp_path / "train.jsonl", [{"prompt": "Name a colour.", "response": "Blue."}])
    train = {"file": str(tmp_path / "train.jsonl")}
    task = _task(
        tmp_path, "http://127.0.0.1:9/v1", train=train, prompt_template="Q: {question}\nA:"
    )
    (pair,) = task.training_pairs(task.load_split("train"))
    assert (pair.prompt, pair.target) == ("Q: Name a colour.\nA:", "Blue.")
    (request,) = task.requests_for(task.load_split("eval")[0], (), EvalContext())
    assert request.prompt == "Q: Q k1?\nA:" and request.chat
    with pytest.raises(DataError, match="train"):
        _task(tmp_path, "http://127.0.0.1:9/v1").load_split("train")
