"""The budget: prices, reservations, and a cap that holds across judges sharing a cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchlab.backends.openai_compatible import OpenAICompatibleBackend, OpenAICompatibleClient
from benchlab.judge.budget import BudgetExhaustedError, CostLedger, Pricing, budget_scope
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
