"""The budget: prices, reservations, and a cap that holds across judges sharing a cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.backends.openai_compatible import OpenAICompatibleBackend, OpenAICompatibleClient
from benchlab.judge.budget import (
    MIN_OBSERVED,
    BudgetExhaustedError,
    CostLedger,
    Pricing,
    ReplySizes,
    budget_scope,
)
from benchlab.judge.cache import ReplyStore
from benchlab.judge.client import EndpointJudge, MeteredClient
from benchlab.judge.config import JudgeSettings
from benchlab.requests import GenerationRequest
from tests.judge.fake_openai import KEY_ENV

PRICES = Pricing(1000.0, 1000.0)  # $0.001 per token: a judgment costs a few cents


def test_pricing_per_million() -> None:
    assert Pricing(2.5, 10.0).cost(1_000_000, 100_000) == pytest.approx(2.5 + 1.0)
    assert Pricing(2.5, 10.0).cost(None, None) == 0.0


def test_ledger_reserves_then_settles() -> None:
    ledger = CostLedger(Pricing(1_000_000.0, 0.0), max_usd=10.0)  # $1 per input token
    ledger.reserve(6.0)
    with pytest.raises(BudgetExhaustedError, match=r"\$10"):
        ledger.reserve(5.0)  # 6 reserved + 5 > 10
    assert ledger.settle(6.0, 3, 0) == pytest.approx(3.0)
    ledger.reserve(5.0)  # 3 spent + 5 <= 10
    ledger.release(5.0)
    summary = ledger.summary()
    assert summary["spent_usd"] == pytest.approx(3.0)
    assert summary["paid_calls"] == 1 and summary["input_tokens"] == 3


def _settings(**overrides) -> JudgeSettings:
    data = {
        "judge": {"endpoint": {"base_url": "http://127.0.0.1:9/v1", "model": "judge"}},
        "categories": [{"name": "math", "prompts": {"file": "math.jsonl"}}],
        **overrides,
    }
    return JudgeSettings.model_validate(data)


def test_scope_ignores_budget_and_transport_but_not_what_is_judged() -> None:
    scope = budget_scope(_settings())
    assert scope == budget_scope(
        _settings(budget={"max_usd": 9.0}, concurrency=16, timeout_s=5, retries=1)
    )
    assert scope != budget_scope(
        _settings(judge={"endpoint": {"base_url": "http://127.0.0.1:9/v1", "model": "other"}})
    )
    assert scope != budget_scope(
        _settings(categories=[{"name": "code", "prompts": {"file": "math.jsonl"}}])
    )


def test_scope_of_a_study_begun_before_multi_turn_settings_existed_is_unchanged() -> None:
    # The value budget_scope gave this study before category_field, max_turns and the
    # multi-turn templates were added: a rerun must find the money spent under it.
    settings = _settings(
        categories=[{"name": "math", "prompts": {"file": "math.jsonl"}, "reference_guided": True}]
    )
    assert budget_scope(settings) == "study:d421d7618af49eee"
    split = _settings(
        categories=[{"prompts": {"file": "math.jsonl", "category_field": "category"}}]
    )
    assert budget_scope(split) != budget_scope(settings)


def _judge(server, store: ReplyStore, max_usd: float | None, scope: str = "s") -> EndpointJudge:
    client = OpenAICompatibleClient(server.base_url, "judge", api_key_env=KEY_ENV, timeout=2)
    ledger = CostLedger(PRICES, max_usd, store=store, scope=scope)
    return EndpointJudge(client, cache=store, ledger=ledger, max_tokens=16)


def _messages(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"question {i}: which answer is better?"}]


def test_cost_is_committed_with_the_reply(chat_server, tmp_path: Path) -> None:
    store = ReplyStore(tmp_path / "cache.sqlite")
    judge = _judge(chat_server, store, None)
    reply = judge.judge(_messages(0))
    store.close()
    reopened = ReplyStore(tmp_path / "cache.sqlite")
    assert reopened.spent_usd("s") == pytest.approx(reply.cost_usd) and reply.cost_usd > 0
    assert reopened.spent_usd("another study") == 0.0


def test_a_second_judge_on_the_same_cache_gets_only_what_is_left(chat_server, tmp_path) -> None:
    store = ReplyStore(tmp_path / "cache.sqlite")
    cap = 0.3
    first = _judge(chat_server, store, cap)
    spent_first = sum(first.judge(_messages(i)).cost_usd for i in range(3))
    second = _judge(chat_server, store, cap)  # a new experiment or a rerun: a fresh ledger
    with pytest.raises(BudgetExhaustedError, match="earlier runs or other experiments"):
        for i in range(3, 100):
            second.judge(_messages(i))
    assert store.spent_usd("s") == pytest.approx(spent_first + second.ledger.spent_usd)
    assert store.spent_usd("s") <= cap
    assert second.ledger.summary()["study_spent_usd"] == pytest.approx(store.spent_usd("s"))
    other_study = _judge(chat_server, store, cap, scope="other")
    assert not other_study.judge(_messages(200)).cached  # a different study has its own cap


def test_cached_replies_are_free_when_the_budget_is_spent(chat_server, tmp_path) -> None:
    store = ReplyStore(tmp_path / "cache.sqlite")
    paid = [_judge(chat_server, store, None).judge(_messages(i)) for i in range(3)]
    spent = store.spent_usd("s")
    rerun = _judge(chat_server, store, max_usd=spent / 2)  # already over this cap
    again = [rerun.judge(_messages(i)) for i in range(3)]
    assert [r.text for r in again] == [r.text for r in paid] and all(r.cached for r in again)
    assert store.spent_usd("s") == spent and len(chat_server.requests) == 3
    with pytest.raises(BudgetExhaustedError):
        rerun.judge(_messages(3))  # a new call is not free


def test_generation_through_an_endpoint_is_metered_and_capped(chat_server, tmp_path) -> None:
    store = ReplyStore(tmp_path / "cache.sqlite")
    ledger = CostLedger(PRICES, max_usd=0.25, store=store, scope="s")
    client = OpenAICompatibleClient(chat_server.base_url, "ref", api_key_env=KEY_ENV, timeout=2)
    backend = OpenAICompatibleBackend(MeteredClient(client, store, ledger))
    requests = [GenerationRequest(prompt=f"write poem {i}", max_new_tokens=64) for i in range(50)]
    with pytest.raises(BudgetExhaustedError):
        for request in requests:
            backend.generate([request])
    assert 0 < ledger.paid_calls == len(chat_server.requests) < len(requests)
    assert store.spent_usd("s") == pytest.approx(ledger.spent_usd) and ledger.spent_usd <= 0.25
    answered = len(chat_server.requests)
    backend.generate(requests[:answered])  # cached generations are free and need no budget
    assert len(chat_server.requests) == answered and ledger.cached_calls == answered


def test_reply_sizes_replace_the_worst_case_once_enough_are_seen() -> None:
    sizes = ReplySizes()
    assert sizes.expected_tokens(400, 2, 1024) == (216, 1024)  # chars/2 + 8 per message
    for output in range(1, MIN_OBSERVED):
        sizes.observe(400, 100, output)
    assert sizes.expected_tokens(400, 2, 1024) == (216, 1024)  # too few replies seen yet
    for output in range(MIN_OBSERVED, 101):
        sizes.observe(400, 100, output)
    tokens_in, tokens_out = sizes.expected_tokens(800, 2, 1024)
    assert tokens_in == 800 * 100 // 400 + 16  # highest tokens/char seen, per-message overhead
    assert 95 <= tokens_out <= 97  # the 95th percentile of 1..100
    assert sizes.expected_tokens(800, 2, 50)[1] == 50  # never above max_tokens
    sizes.observe(400, None, None)  # no usage reported: nothing learnt
    assert sizes.observed == 100


def test_admission_keeps_room_for_one_worst_case_call() -> None:
    ledger = CostLedger(Pricing(1_000_000.0, 0.0), max_usd=10.0)  # $1 per input token
    ledger.reserve(1.0, worst_case_usd=4.0)
    ledger.reserve(1.0, worst_case_usd=4.0)  # 1 in flight + 4 worst case <= 10
    with pytest.raises(BudgetExhaustedError, match=r"up to \$9\.0000"):
        ledger.reserve(1.0, worst_case_usd=9.0)  # 2 in flight + 9 > 10
    ledger.settle(1.0, 1, 0)
    ledger.settle(1.0, 1, 0)
    ledger.reserve(1.0, worst_case_usd=8.0)  # 2 spent + 8 <= 10


def test_concurrent_judging_spends_close_to_the_cap(chat_server, tmp_path) -> None:
    # 8 calls in flight with max_tokens 1024: reserving each call's worst case stopped near half
    # this cap; reservations from observed reply sizes get close to it, never above.
    from benchlab.judge.prompts import DEFAULT_PAIRWISE
    from benchlab.judge.run import JudgeCategory, JudgePrompt, run_pairwise_judgement
    from tests.judge.fake_openai import scripted_verdict

    prompts = tuple(JudgePrompt(f"q{i}", f"question {i}?") for i in range(150))
    category = JudgeCategory("all", prompts, DEFAULT_PAIRWISE)
    store = ReplyStore(tmp_path / "cache.sqlite")
    client = OpenAICompatibleClient(chat_server.base_url, "judge", api_key_env=KEY_ENV, timeout=5)
    cap, concurrency = 20.0, 8
    ledger = CostLedger(PRICES, cap, store=store, scope="s")
    judge = EndpointJudge(client, cache=store, ledger=ledger, max_tokens=1024)
    outcome = run_pairwise_judgement(
        [category],
        {"mine": {p.id: "GOOD" for p in prompts}},
        {p.id: "BAD" for p in prompts},
        judge,
        concurrency=concurrency,
        repeat_fraction=0,
        n_resamples=200,
    )
    assert outcome.stopped_by == "budget"

    def call_usd(body) -> tuple[float, float]:
        """(actual, worst-case) dollars of a request, as the fake server and ledger count."""
        chars = sum(len(m["content"]) for m in body["messages"])
        text = scripted_verdict(body)
        actual = PRICES.cost(chars // 4, len(text) // 4 + 1)
        return actual, PRICES.cost(chars / 2 + 8 * len(body["messages"]), body["max_tokens"])

    costs = [call_usd(body) for body in chat_server.requests]
    actual, worst = max(c[0] for c in costs), max(c[1] for c in costs)
    spent = store.spent_usd("s")
    assert spent == pytest.approx(ledger.spent_usd) and spent <= cap
    assert spent >= cap - worst - concurrency * actual
    assert cap - concurrency * (worst - actual) < 0.55 * cap  # where the worst case stopped
    assert spent > 0.75 * cap
