"""Judges behind one interface: a chat endpoint or a local benchlab Backend, cached and metered.

Every paid call, a judgment or an answer generated through an endpoint, goes through
`MeteredClient`: a cached reply is free, so a rerun after a crash pays only for what was never
answered; otherwise the call's expected cost (from the reply sizes seen so far, worst case
until enough are seen: see `benchlab.judge.budget`) is reserved against the budget before the
call starts, so with a cap the run stops before the cap rather than after it, and the reply is
committed to the cache together with its actual cost.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from benchlab.backends.base import Backend
from benchlab.backends.openai_compatible import (
    ChatReply,
    OpenAICompatibleClient,
    ReplyCache,
)
from benchlab.judge.budget import CostLedger, ReplySizes, worst_case_input_tokens
from benchlab.judge.cache import CallSpend, ReplyStore
from benchlab.requests import GenerationRequest
from benchlab.store import request_key

__all__ = [
    "BackendJudge",
    "EndpointJudge",
    "JudgeClient",
    "JudgeReply",
    "MeteredClient",
    "MeteredReply",
]

Message = Mapping[str, str]


@dataclass(frozen=True)
class JudgeReply:
    """The judge's text, its token usage, and whether it came from the cache (cost 0 now).

    `finish_reason` is the endpoint's ("length": cut off at `max_tokens`), None if unknown.
    """

    text: str
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float
    cached: bool
    finish_reason: str | None = None


class JudgeClient(Protocol):
    """Anything that answers judge messages; `identity` names it in results."""

    identity: str
    max_concurrency: int | None

    def judge(self, messages: Sequence[Message], *, salt: str = "") -> JudgeReply:
        """The judge's reply to `messages`; `salt` forces a fresh (repeated) judgment."""


def _prompt_chars(messages: Sequence[Message]) -> int:
    return sum(len(m.get("content", "")) for m in messages)


@dataclass(frozen=True)
class MeteredReply:
    """A chat reply, what it cost now, and whether it came from the cache."""

    reply: ChatReply
    cost_usd: float
    cached: bool


class MeteredClient:
    """A chat client whose calls are cached and counted against the study's budget.

    It offers what `OpenAICompatibleBackend` needs from a client (`payload`, `send`,
    `endpoint`), so answers generated through a paid endpoint are capped like judgments.
    """

    def __init__(
        self, client: OpenAICompatibleClient, cache: ReplyStore | None, ledger: CostLedger
    ) -> None:
        self.client = client
        self.cache = cache
        self.ledger = ledger
        self.base_url = client.base_url
        self.model = client.model
        self.sizes = ReplySizes()  # per client: a judge's replies and a model's answers differ

    @property
    def endpoint(self) -> str:
        """The URL requests go to; part of every cache key."""
        return self.client.endpoint

    def payload(self, messages: Sequence[Message], **options: Any) -> dict[str, Any]:
        """The JSON body of a chat request (options as in `OpenAICompatibleClient.payload`)."""
        return self.client.payload(messages, **options)

    def _reservation_usd(self, body: Mapping[str, Any]) -> tuple[float, float]:
        """(expected, worst-case) dollars of a call, for `CostLedger.reserve`."""
        messages = body.get("messages", [])
        chars, max_tokens = _prompt_chars(messages), int(body.get("max_tokens") or 0)
        price = self.ledger.pricing.cost
        expected = price(*self.sizes.expected_tokens(chars, len(messages), max_tokens))
        return expected, price(worst_case_input_tokens(chars, len(messages)), max_tokens)

    def call(self, body: Mapping[str, Any], salt: str = "") -> MeteredReply:
        """A cached reply if this exact request was answered before, else one paid call."""
        key = request_key(self.client.endpoint, body, salt)
        chars = _prompt_chars(body.get("messages", []))
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            reply = ChatReply.from_json(hit)
            self.sizes.observe(chars, reply.prompt_tokens, reply.completion_tokens)
            cost = self.ledger.record_cached(reply.prompt_tokens, reply.completion_tokens)
            return MeteredReply(reply, cost, True)
        estimate, worst_case = self._reservation_usd(body)
        self.ledger.reserve(estimate, worst_case)
        try:
            reply = self.client.send(body)
        except BaseException:
            self.ledger.release(estimate)
            raise
        estimated = reply.prompt_tokens is None or reply.completion_tokens is None
        if estimated:  # servers without usage: a chars/4 estimate, flagged in the summary
            reply = ChatReply(
                reply.text,
                reply.prompt_tokens
                if reply.prompt_tokens is not None
                else math.ceil(_prompt_chars(body.get("messages", [])) / 4),
                reply.completion_tokens
                if reply.completion_tokens is not None
                else math.ceil(len(reply.text) / 4),
                reply.finish_reason,
            )
        cost = self.ledger.pricing.cost(reply.prompt_tokens, reply.completion_tokens)
        self.sizes.observe(chars, reply.prompt_tokens, reply.completion_tokens)
        try:
            if self.cache is not None:
                spend = CallSpend(
                    self.ledger.scope, cost, reply.prompt_tokens, reply.completion_tokens
                )
                self.cache.put(key, reply.to_json(), spend=spend)
        finally:
            self.ledger.settle(
                estimate, reply.prompt_tokens, reply.completion_tokens, estimated=estimated
            )
        return MeteredReply(reply, cost, False)

    def send(self, body: Mapping[str, Any]) -> ChatReply:
        """The reply to a prepared body, from the cache or paid for."""
        return self.call(body).reply

    def close(self) -> None:
        """Close the underlying client's connections."""
        self.client.close()


class EndpointJudge:
    """A judge behind an OpenAI-compatible endpoint, with reply cache and cost ledger."""

    def __init__(
        self,
        client: OpenAICompatibleClient,
        *,
        cache: ReplyStore | None = None,
        ledger: CostLedger | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger or CostLedger()
        self.calls = MeteredClient(client, cache, self.ledger)
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.max_concurrency = max_concurrency
        self.identity = f"openai-compatible:{client.base_url}:{client.model}"

    def judge(self, messages: Sequence[Message], *, salt: str = "") -> JudgeReply:
        """A cached reply if this exact request was answered before, else one paid call."""
        body = self.client.payload(
            messages, temperature=self.temperature, max_tokens=self.max_tokens, seed=self.seed
        )
        metered = self.calls.call(body, salt)
        reply = metered.reply
        return JudgeReply(
            reply.text,
            reply.prompt_tokens,
            reply.completion_tokens,
            metered.cost_usd,
            metered.cached,
            reply.finish_reason,
        )


def messages_to_prompt(messages: Sequence[Message]) -> str:
    """One prompt string from chat messages, for backends that take a single prompt."""
    return "\n\n".join(m["content"] for m in messages if m.get("content"))


class BackendJudge:
    """A local judge model answering through `Backend.generate` (greedy, chat-formatted).

    Calls are serialized: local backends are not assumed to be thread-safe.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        cache: ReplyCache | None = None,
        ledger: CostLedger | None = None,
        max_new_tokens: int = 1024,
    ) -> None:
        self.backend = backend
        self.cache = cache
        self.ledger = ledger or CostLedger()
        self.max_new_tokens = max_new_tokens
        self.max_concurrency = 1
        self.identity = f"backend:{backend.fingerprint}"
        self._lock = threading.Lock()

    def judge(self, messages: Sequence[Message], *, salt: str = "") -> JudgeReply:
        """A cached reply if this exact request was answered before, else one generation."""
        request = GenerationRequest(
            prompt=messages_to_prompt(messages),
            max_new_tokens=self.max_new_tokens,
            temperature=0.0,
            chat=True,
        )
        key = request_key(self.identity, asdict(request), salt)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self.ledger.record_cached(None, None)
            return JudgeReply(str(hit["text"]), None, None, 0.0, True)
        with self._lock:
            (result,) = self.backend.generate([request])
        text = result.texts[0]
        if self.cache is not None:
            self.cache.put(key, {"text": text})
        self.ledger.settle(0.0, None, None)
        return JudgeReply(text, None, None, 0.0, False)
