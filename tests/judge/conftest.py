"""Fixtures for judge tests: a fake OpenAI-compatible server and a secret API key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.judge.fake_openai import KEY_ENV, SECRET_KEY, FakeChatServer


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The secret key, exported under KEY_ENV."""
    monkeypatch.setenv(KEY_ENV, SECRET_KEY)
    return SECRET_KEY


@pytest.fixture
def chat_server(api_key: str) -> Iterator[FakeChatServer]:
    """A started fake server that requires the secret key."""
    server = FakeChatServer(api_key=api_key)
    server.base_url = server.start()  # type: ignore[attr-defined]
    yield server
    server.stop()
