"""The OpenAI-compatible client over real HTTP: retries, Retry-After, timeouts, bad bodies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchlab.backends.openai_compatible import (
    ChatReply,
    EndpointError,
    OpenAICompatibleBackend,
    OpenAICompatibleClient,
    request_key,
    retryable_status,
)
from benchlab.errors import ConfigError
from benchlab.requests import GenerationRequest
from tests.judge.fake_openai import FakeChatServer

KEY = "sk-backend-test-SECRET-99"
ENV = "BENCHLAB_TEST_BACKEND_KEY"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    monkeypatch.setenv(ENV, KEY)
    srv = FakeChatServer(api_key=KEY, verdict=lambda body: "hello [[B]]")
    srv.base_url = srv.start()
    yield srv
    srv.stop()


def _client(server, sleeps: list[float] | None = None, **kwargs) -> OpenAICompatibleClient:
    options = {"timeout": 0.3, "max_retries": 6, "backoff_base": 0.001, "backoff_max": 0.01}
    options.update(kwargs)
    return OpenAICompatibleClient(
        server.base_url,
        "judge-model",
        api_key_env=ENV,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        **options,
    )


def test_plain_reply_with_usage(server) -> None:
    reply = _client(server).chat([{"role": "user", "content": "hi there"}], max_tokens=8)
    assert reply.text == "hello [[B]]"
    assert reply.prompt_tokens == len("hi there") // 4
    assert reply.completion_tokens == len("hello [[B]]") // 4 + 1
    assert server.requests[0]["max_tokens"] == 8
    assert server.requests[0]["temperature"] == 0.0


@pytest.mark.parametrize("fault", ["429", "500", "hang", "malformed", "truncated", "no_choices"])
def test_each_transient_fault_is_retried(server, fault: str) -> None:
    server.faults.extend([fault, fault])
    reply = _client(server).chat([{"role": "user", "content": "q"}])
    assert reply.text == "hello [[B]]"
    assert len(server.requests) == 3
    assert server.ok_total == 1


@pytest.mark.parametrize("status", ["529", "408", "409", "425", "501", "503", "508", "520"])
def test_retryable_statuses_are_retried(server, status: str) -> None:
    server.faults.append(status)  # 529: "overloaded" (Anthropic, Cloudflare)
    reply = _client(server).chat([{"role": "user", "content": "q"}])
    assert reply.text == "hello [[B]]"
    assert len(server.requests) == 2 and server.ok_total == 1


@pytest.mark.parametrize("status", ["400", "403", "404", "413", "422"])
def test_other_client_errors_fail_at_once(server, status: str) -> None:
    server.faults.append(status)
    with pytest.raises(EndpointError, match=f"HTTP {status}"):
        _client(server).chat([{"role": "user", "content": "q"}])
    assert len(server.requests) == 1


def test_retryable_status_rule() -> None:
    retried = [s for s in range(100, 600) if retryable_status(s)]
    assert retried == [408, 409, 425, 429, *range(500, 600)]


def test_retry_after_is_honoured(server) -> None:
    server.retry_after = "7"
    server.faults.append("429")
    sleeps: list[float] = []
    _client(server, sleeps).chat([{"role": "user", "content": "q"}])
    assert sleeps == [7.0]  # the jittered backoff (<= 0.01 s) is shorter than Retry-After


def test_backoff_is_exponential_with_full_jitter(server) -> None:
    client = _client(server, backoff_base=1.0, backoff_max=100.0)
    delays = [[client.backoff_delay(k, None) for _ in range(200)] for k in range(4)]
    for k, draws in enumerate(delays):
        assert all(0.0 <= d <= 2**k for d in draws)
        assert max(draws) > 0.8 * 2**k  # uses the whole jitter range
    assert client.backoff_delay(10, None) <= 100.0


def test_gives_up_after_retries_without_leaking_the_key(server) -> None:
    server.faults.extend(["500"] * 10)
    with pytest.raises(EndpointError, match="failed 3 times") as info:
        _client(server, max_retries=2).chat([{"role": "user", "content": "q"}])
    assert KEY not in str(info.value)
    assert len(server.requests) == 3


def test_client_error_is_not_retried(server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "sk-wrong")
    with pytest.raises(EndpointError, match="HTTP 401") as info:
        _client(server).chat([{"role": "user", "content": "q"}])
    assert "sk-wrong" not in str(info.value)


def test_missing_key_variable_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCHLAB_NO_SUCH_KEY", raising=False)
    with pytest.raises(ConfigError, match="BENCHLAB_NO_SUCH_KEY"):
        OpenAICompatibleClient("http://127.0.0.1:9/v1", "m", api_key_env="BENCHLAB_NO_SUCH_KEY")


def test_request_key_covers_body_not_headers(server) -> None:
    client = _client(server)
    body = client.payload([{"role": "user", "content": "q"}])
    assert request_key(client.endpoint, body) == request_key(client.endpoint, dict(body))
    assert request_key(client.endpoint, body) != request_key(client.endpoint, body, "repeat-1")
    other = client.payload([{"role": "user", "content": "q"}], temperature=0.5)
    assert request_key(client.endpoint, body) != request_key(client.endpoint, other)
    assert KEY not in str(body)


class _DictCache:
    def __init__(self) -> None:
        self.data: dict[str, dict] = {}

    def get(self, key: str):
        return self.data.get(key)

    def put(self, key: str, value) -> None:
        self.data[key] = dict(value)


def test_backend_generates_samples_and_caches(server) -> None:
    cache = _DictCache()
    backend = OpenAICompatibleBackend(_client(server), cache)
    request = GenerationRequest(prompt="tell me", max_new_tokens=5, num_samples=2, seed=3)
    (result,) = backend.generate([request])
    assert result.texts == ("hello [[B]]", "hello [[B]]")
    assert [r["seed"] for r in server.requests] == [3, 4]
    assert [r["max_tokens"] for r in server.requests] == [5, 5]
    backend.generate([request])
    assert len(server.requests) == 2  # second time from the cache
    assert backend.fingerprint.endswith(":judge-model")
    assert ChatReply.from_json(next(iter(cache.data.values()))).text == "hello [[B]]"
