"""Judge clients: the endpoint judge's cache and metering, the backend judge."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from benchlab.backends.base import Backend
from benchlab.backends.openai_compatible import OpenAICompatibleClient
from benchlab.judge.budget import BudgetExhaustedError, CostLedger, Pricing
from benchlab.judge.cache import ReplyStore
from benchlab.judge.client import BackendJudge, EndpointJudge
from benchlab.requests import GenerationRequest, GenerationResult
from tests.judge.fake_openai import KEY_ENV

MESSAGES = [{"role": "system", "content": "judge"}, {"role": "user", "content": "which? " * 10}]


def _endpoint_judge(server, tmp_path: Path, **kwargs) -> EndpointJudge:
    client = OpenAICompatibleClient(server.base_url, "judge", api_key_env=KEY_ENV, timeout=2)
    return EndpointJudge(client, cache=ReplyStore(tmp_path / "cache.sqlite"), **kwargs)


def test_endpoint_judge_caches_and_salts(chat_server, tmp_path: Path) -> None:
    judge = _endpoint_judge(
        chat_server, tmp_path, ledger=CostLedger(Pricing(1.0, 2.0)), max_tokens=32
    )
    first = judge.judge(MESSAGES)
    again = judge.judge(MESSAGES)
    repeat = judge.judge(MESSAGES, salt="repeat-1")
    assert len(chat_server.requests) == 2  # the plain repeat came from the cache
    assert (first.cached, again.cached, repeat.cached) == (False, True, False)
    assert again.text == first.text and again.input_tokens == first.input_tokens
    summary = judge.ledger.summary()
    assert summary["paid_calls"] == 2 and summary["cached_calls"] == 1
    expected = 2 * Pricing(1.0, 2.0).cost(first.input_tokens, first.output_tokens)
    assert summary["spent_usd"] == pytest.approx(expected)
    assert chat_server.requests[0]["max_tokens"] == 32


def test_missing_usage_is_estimated_and_flagged(chat_server, tmp_path: Path) -> None:
    chat_server.report_usage = False
    judge = _endpoint_judge(chat_server, tmp_path, ledger=CostLedger(Pricing(1.0, 1.0)))
    reply = judge.judge(MESSAGES)
    assert reply.input_tokens > 0 and reply.output_tokens > 0
    assert judge.ledger.summary()["estimated_usage_calls"] == 1


def test_budget_refuses_call_before_spending(chat_server, tmp_path: Path) -> None:
    judge = _endpoint_judge(
        chat_server, tmp_path, ledger=CostLedger(Pricing(1e6, 1e6), max_usd=1.0)
    )
    with pytest.raises(BudgetExhaustedError):
        judge.judge(MESSAGES)
    assert chat_server.requests == []


class _EchoBackend(Backend):
    def __init__(self) -> None:
        self.seen: list[GenerationRequest] = []

    @property
    def fingerprint(self) -> str:
        return "echo-v1"

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        self.seen.extend(requests)
        return [GenerationResult(texts=("Looks like B. [[B]]",)) for _ in requests]


def test_backend_judge_uses_generate_greedily(tmp_path: Path) -> None:
    backend = _EchoBackend()
    judge = BackendJudge(backend, cache=ReplyStore(tmp_path / "c.sqlite"), max_new_tokens=64)
    assert judge.judge(MESSAGES).text == "Looks like B. [[B]]"
    assert judge.judge(MESSAGES).cached
    (request,) = backend.seen
    assert request.temperature == 0.0 and request.chat and request.max_new_tokens == 64
    assert request.prompt.startswith("judge\n\nwhich?")
    assert judge.identity == "backend:echo-v1"
