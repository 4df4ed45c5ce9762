"""The judging loop: outcomes, stops, repeats, BT; concurrency and cut-offs over real HTTP."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import pytest

from benchlab.backends.openai_compatible import OpenAICompatibleClient
from benchlab.errors import DataError
from benchlab.judge.budget import BudgetExhaustedError
from benchlab.judge.cache import ReplyStore
from benchlab.judge.client import EndpointJudge, JudgeReply
from benchlab.judge.prompts import DEFAULT_PAIRWISE
from benchlab.judge.run import JudgeCategory, JudgePrompt, run_pairwise_judgement
from tests.judge.fake_openai import KEY_ENV, scripted_verdict


class ScriptedJudge:
    """Judges like the fake server; optionally raises `error` after `fail_after` calls."""

    identity = "scripted"
    max_concurrency = None

    def __init__(self, fail_after: int | None = None, error: Exception | None = None) -> None:
        self.calls = 0
        self.fail_after = fail_after
        self.error = error
        self.lock = threading.Lock()

    def judge(self, messages: Sequence[dict[str, str]], *, salt: str = "") -> JudgeReply:
        with self.lock:
            if self.fail_after is not None and self.calls >= self.fail_after:
                raise self.error or BudgetExhaustedError("budget reached")
            self.calls += 1
        return JudgeReply(scripted_verdict({"messages": messages}), 10, 5, 0.0, False)


def _category(name: str, ids: list[str], weight: float = 1.0) -> JudgeCategory:
    prompts = tuple(JudgePrompt(i, f"question {i}?") for i in ids)
    return JudgeCategory(name, prompts, DEFAULT_PAIRWISE, weight)


CATEGORIES = [_category("math", ["m1", "m2", "m3", "m4"], 2.0), _category("creative", ["c1", "c2"])]
CANDIDATE = {
    "m1": "GOOD and long " * 5,  # win, longer
    "m2": "BAD",  # loss, shorter
    "m3": "BIASED",  # judge always says [[A]]: flip -> tie
    "m4": "GARBLED",  # unparseable
    "c1": "GOOD",  # tie
    "c2": "GOOD short",  # win, shorter
}
REFERENCE = {
    "m1": "BAD",
    "m2": "GOOD and long " * 5,
    "m3": "BAD",
    "m4": "BAD",
    "c1": "GOOD",
    "c2": "BAD but much longer " * 3,
}


def test_hand_computed_outcome() -> None:
    outcome = run_pairwise_judgement(
        CATEGORIES,
        {"mine": CANDIDATE},
        REFERENCE,
        ScriptedJudge(),
        reference_name="gpt4",
        repeat_fraction=0.0,
        n_resamples=200,
        concurrency=3,
    )
    assert outcome.complete and outcome.judge == "scripted"
    by_id = {r.prompt_id: r for r in outcome.records}
    assert {k: r.outcome for k, r in by_id.items()} == {
        "m1": "win",
        "m2": "loss",
        "m3": "tie",
        "m4": None,
        "c1": "tie",
        "c2": "win",
    }
    assert by_id["m3"].flipped is True and by_id["m3"].verdict_candidate_first == "A"
    assert by_id["m3"].verdict_candidate_second == "A"
    assert by_id["m4"].to_json()["outcome"] == "unparseable"
    assert "cannot decide" in by_id["m4"].judge_text_candidate_first

    summary = outcome.summaries["mine"]
    math_m = summary.categories["math"]
    assert (math_m.wins, math_m.losses, math_m.ties, math_m.unparseable) == (1, 1, 1, 1)
    assert math_m.score.value == pytest.approx(1.5 / 3)
    assert summary.categories["creative"].score.value == pytest.approx(0.75)
    assert summary.overall.score.value == pytest.approx(3 / 5)
    assert summary.overall.win_rate.value == pytest.approx(2 / 3)
    assert summary.weighted_score.value == pytest.approx(2 / 3 * 0.5 + 1 / 3 * 0.75)
    assert summary.position_flips == {"math": 1, "creative": 0}

    quality = outcome.quality
    assert quality.position_flip_rate.value == pytest.approx(1 / 5)
    assert quality.unparseable_rate.value == pytest.approx(1 / 6)
    # decisive: m1 (won, longer), m2 (lost, shorter), c2 (won, shorter) -> 2 of 3 went longer
    assert quality.longer_answer_share.value == pytest.approx(2 / 3)
    assert outcome.bradley_terry is None  # two models only


def test_every_pair_judged_in_both_orders() -> None:
    judge = ScriptedJudge()
    run_pairwise_judgement(CATEGORIES, {"mine": CANDIDATE}, REFERENCE, judge, repeat_fraction=0)
    assert judge.calls == 2 * 6


def test_repeats_measure_self_agreement() -> None:
    judge = ScriptedJudge()
    outcome = run_pairwise_judgement(
        CATEGORIES, {"mine": CANDIDATE}, REFERENCE, judge, repeat_fraction=1.0, n_resamples=200
    )
    assert judge.calls == 3 * 6
    agreement = outcome.quality.repeat_agreement
    assert agreement.n == 5 and agreement.value == 1.0  # m4 is unparseable both times


def test_budget_stop_keeps_judged_pairs() -> None:
    judge = ScriptedJudge(fail_after=5)
    outcome = run_pairwise_judgement(
        CATEGORIES, {"mine": CANDIDATE}, REFERENCE, judge, concurrency=1, repeat_fraction=0
    )
    assert not outcome.complete
    assert "budget" in outcome.stopped_reason and outcome.stopped_by == "budget"
    # categories are interleaved: math's first pair, creative's first, then math's second...
    assert [r.prompt_id for r in outcome.records] == ["m1", "c1"]
    assert outcome.unjudged_pairs == 4


def test_endpoint_failure_is_a_stop_of_its_own_kind() -> None:
    judge = ScriptedJudge(fail_after=3, error=DataError("endpoint keeps failing"))
    outcome = run_pairwise_judgement(
        CATEGORIES, {"mine": CANDIDATE}, REFERENCE, judge, concurrency=1, repeat_fraction=0
    )
    assert outcome.stopped_by == "error" and "keeps failing" in outcome.stopped_reason


def test_bugs_propagate() -> None:
    judge = ScriptedJudge(fail_after=2, error=RuntimeError("bug"))
    with pytest.raises(RuntimeError, match="bug"):
        run_pairwise_judgement(CATEGORIES, {"mine": CANDIDATE}, REFERENCE, judge, concurrency=1)


def test_missing_answer_names_category_and_id() -> None:
    partial = {k: v for k, v in CANDIDATE.items() if k != "c2"}
    with pytest.raises(DataError, match=r"creative.*'mine'.*c2"):
        run_pairwise_judgement(CATEGORIES, {"mine": partial}, REFERENCE, ScriptedJudge())


class RankJudge(ScriptedJudge):
    """Prefers the answer with the higher `rank=N`."""

    def judge(self, messages: Sequence[dict[str, str]], *, salt: str = "") -> JudgeReply:
        ranks = [int(x) for x in re.findall(r"rank=(\d)", messages[-1]["content"])]
        text = "[[C]]" if ranks[0] == ranks[1] else ("[[A]]" if ranks[0] > ranks[1] else "[[B]]")
        return JudgeReply(text, 1, 1, 0.0, False)


def test_bradley_terry_on_a_known_tournament() -> None:
    # strong beats the reference on 3 of 4 prompts, weak on 1 of 4: the BT maximum-likelihood
    # strengths satisfy P(strong > ref) = 3/4 and P(ref > weak) = 3/4, a ratio of 3 each.
    ids = ["p1", "p2", "p3", "p4"]
    reference = dict.fromkeys(ids, "rank=2")
    strong = {"p1": "rank=3", "p2": "rank=3", "p3": "rank=3", "p4": "rank=1"}
    weak = {"p1": "rank=1", "p2": "rank=1", "p3": "rank=1", "p4": "rank=3"}
    outcome = run_pairwise_judgement(
        [_category("all", ids)],
        {"strong": strong, "weak": weak},
        reference,
        RankJudge(),
        reference_name="ref",
        repeat_fraction=0,
        n_resamples=200,
    )
    assert [r.outcome for r in outcome.records] == ["win"] * 3 + ["loss"] + ["loss"] * 3 + ["win"]
    bt = outcome.bradley_terry
    assert set(bt) == {"strong", "weak", "ref"}
    s = {name: value for name, (value, _) in bt.items()}
    assert s["strong"] > s["ref"] > s["weak"]
    # linear strengths (geometric mean 1); the stats ridge of 0.01 moves them slightly
    assert s["strong"] / s["ref"] == pytest.approx(3, rel=2e-2)
    assert s["ref"] / s["weak"] == pytest.approx(3, rel=2e-2)


def test_the_judge_command_prints_bradley_terry_strongest_first(capsys) -> None:
    from benchlab.cli.judge import _echo_bradley_terry
    from benchlab.stats import Interval

    _echo_bradley_terry({"weak": (0.5, Interval(0.2, 0.9)), "strong": (2.0, Interval(1.1, 3.5))})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Bradley-Terry strength")
    assert lines[1].split() == ["strong", "2.000", "[1.100,", "3.500]"]
    assert lines[2].split() == ["weak", "0.500", "[0.200,", "0.900]"]
    _echo_bradley_terry(None)  # two models: nothing fitted, nothing printed
    assert capsys.readouterr().out == ""


def _endpoint_judge(server, tmp_path) -> EndpointJudge:
    client = OpenAICompatibleClient(server.base_url, "judge", api_key_env=KEY_ENV, timeout=5)
    return EndpointJudge(client, cache=ReplyStore(tmp_path / "cache.sqlite"), max_tokens=32)


@pytest.mark.parametrize("limit", [1, 3])
def test_concurrency_limit_bounds_requests_in_flight(chat_server, tmp_path, limit: int) -> None:
    # Each request is held 50 ms, so workers overlap whenever they are allowed to.
    chat_server.delay_s = 0.05
    ids = [f"q{i}" for i in range(8)]
    outcome = run_pairwise_judgement(
        [_category("all", ids)],
        {"mine": dict.fromkeys(ids, "GOOD")},
        dict.fromkeys(ids, "BAD"),
        _endpoint_judge(chat_server, tmp_path),
        concurrency=limit,
        repeat_fraction=0,
        n_resamples=200,
    )
    assert outcome.complete and len(chat_server.requests) == 2 * len(ids)
    assert chat_server.max_in_flight == limit  # never more, and the limit is actually used


def test_reply_cut_off_at_max_tokens_is_recorded_as_truncated(chat_server, tmp_path) -> None:
    candidate = {"m1": "GOOD", "m2": "CUTOFF long answer"}
    reference = {"m1": "BAD", "m2": "BAD"}
    judge = _endpoint_judge(chat_server, tmp_path)
    for _ in range(2):  # the second time every reply, finish_reason included, is cached
        outcome = run_pairwise_judgement(
            [_category("math", ["m1", "m2"])],
            {"mine": candidate},
            reference,
            judge,
            repeat_fraction=0,
            n_resamples=200,
        )
        by_id = {r.prompt_id: r.to_json() for r in outcome.records}
        assert by_id["m1"]["outcome"] == "win"
        assert by_id["m2"]["outcome"] == "unparseable"
        assert by_id["m2"]["unparseable_reason_candidate_as_a"] == "truncated"
        assert by_id["m2"]["unparseable_reason_candidate_as_b"] == "truncated"
        assert outcome.quality.unparseable_reasons == {"truncated": 2}
    assert len(chat_server.requests) == 4 and judge.ledger.cached_calls == 4
