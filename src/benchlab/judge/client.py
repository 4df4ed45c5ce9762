"""Judges behind one interface: a chat endpoint or a local benchlab Backend, cached and metered.

Every judgment goes through the reply cache first, so a rerun after a crash pays only for what
was never answered. Paid calls reserve a worst-case cost before they start (prompt characters/2
tokens in, `max_tokens` out), so with a budget cap the run stops before the cap rather than
after it, keeping everything judged so far.
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
    request_key,
)
from benchlab.backends.requests import GenerationRequest
from benchlab.errors import BenchlabError

__all__ = [
    "BackendJudge",
    "BudgetExhaustedError",
    "CostLedger",
    "EndpointJudge",
    "JudgeClient",
    "JudgeReply",
    "Pricing",
]

Message = Mapping[str, str]


class BudgetExhaustedError(BenchlabError):
    """The next paid call could exceed the configured budget; the run stops cleanly."""


@dataclass(frozen=True)
class JudgeReply:
    """The judge's text, its token usage, and whether it came from the cache (cost 0 now)."""

    text: str
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float
    cached: bool


class JudgeClient(Protocol):
    """Anything that answers judge messages; `identity` names it in results."""

    identity: str
    max_concurrency: int | None

    def judge(self, messages: Sequence[Message], *, salt: str = "") -> JudgeReply:
        """The judge's reply to `messages`; `salt` forces a fresh (repeated) judgment."""


@dataclass(frozen=True)
class Pricing:
    """US dollars per one million input and output tokens."""

    input_per_million: float = 0.0
    output_per_million: float = 0.0

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float:
        """Dollar cost of one call (unknown token counts cost nothing)."""
        return (
            (input_tokens or 0) * self.input_per_million
            + (output_tokens or 0) * self.output_per_million
        ) / 1e6


class CostLedger:
    """Thread-safe token and cost accounting with an optional hard budget in US dollars."""

    def __init__(self, pricing: Pricing = Pricing(), max_usd: float | None = None) -> None:
        self.pricing = pricing
        self.max_usd = max_usd
        self._lock = threading.Lock()
        self._reserved = 0.0
        self.spent_usd = 0.0
        self.cached_usd = 0.0
        self.paid_calls = 0
        self.cached_calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.estimated_usage_calls = 0

    def reserve(self, estimate_usd: float) -> None:
        """Hold `estimate_usd` for a call about to start; raises if it could break the budget."""
        with self._lock:
            if (
                self.max_usd is not None
                and self.spent_usd + self._reserved + estimate_usd > self.max_usd
            ):
                raise BudgetExhaustedError(
                    f"budget of ${self.max_usd:.4f} reached (spent ${self.spent_usd:.4f}, next "
                    f"call could cost up to ${estimate_usd:.4f}); raise `budget.max_usd` and "
                    "rerun to judge the rest (judged pairs are cached)"
                )
            self._reserved += estimate_usd

    def release(self, estimate_usd: float) -> None:
        """Give back a reservation whose call failed."""
        with self._lock:
            self._reserved -= estimate_usd

    def settle(
        self,
        estimate_usd: float,
        input_tokens: int | None,
        output_tokens: int | None,
        *,
        estimated: bool = False,
    ) -> float:
        """Replace a reservation by the call's actual cost; returns that cost."""
        cost = self.pricing.cost(input_tokens, output_tokens)
        with self._lock:
            self._reserved -= estimate_usd
            self.spent_usd += cost
            self.paid_calls += 1
            self.input_tokens += input_tokens or 0
            self.output_tokens += output_tokens or 0
            self.estimated_usage_calls += int(estimated)
        return cost

    def record_cached(self, input_tokens: int | None, output_tokens: int | None) -> float:
        """Count a cache hit; returns what the call cost when it was first made."""
        cost = self.pricing.cost(input_tokens, output_tokens)
        with self._lock:
            self.cached_calls += 1
            self.cached_usd += cost
        return cost

    def summary(self) -> dict[str, Any]:
        """Counts and dollars for judge_results.json."""
        with self._lock:
            return {
                "paid_calls": self.paid_calls,
                "cached_calls": self.cached_calls,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "spent_usd": round(self.spent_usd, 6),
                "cached_usd": round(self.cached_usd, 6),
                "max_usd": self.max_usd,
                "estimated_usage_calls": self.estimated_usage_calls,
                "price_input_per_million": self.pricing.input_per_million,
                "price_output_per_million": self.pricing.output_per_million,
            }


def _prompt_chars(messages: Sequence[Message]) -> int:
    return sum(len(m.get("content", "")) for m in messages)


class EndpointJudge:
    """A judge behind an OpenAI-compatible endpoint, with reply cache and cost ledger."""

    def __init__(
        self,
        client: OpenAICompatibleClient,
        *,
        cache: ReplyCache | None = None,
        ledger: CostLedger | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        self.client = client
        self.cache = cache
        self.ledger = ledger or CostLedger()
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.max_concurrency = max_concurrency
        self.identity = f"openai-compatible:{client.base_url}:{client.model}"

    def _worst_case_usd(self, messages: Sequence[Message]) -> float:
        input_tokens = math.ceil(_prompt_chars(messages) / 2) + 8 * len(messages)
        return self.ledger.pricing.cost(input_tokens, self.max_tokens)

    def judge(self, messages: Sequence[Message], *, salt: str = "") -> JudgeReply:
        """A cached reply if this exact request was answered before, else one paid call."""
        body = self.client.payload(
            messages, temperature=self.temperature, max_tokens=self.max_tokens, seed=self.seed
        )
        key = request_key(self.client.endpoint, body, salt)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            reply = ChatReply.from_json(hit)
            cost = self.ledger.record_cached(reply.prompt_tokens, reply.completion_tokens)
            return JudgeReply(reply.text, reply.prompt_tokens, reply.completion_tokens, cost, True)
        estimate = self._worst_case_usd(messages)
        self.ledger.reserve(estimate)
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
                else math.ceil(_prompt_chars(messages) / 4),
                reply.completion_tokens
                if reply.completion_tokens is not None
                else math.ceil(len(reply.text) / 4),
                reply.finish_reason,
            )
        if self.cache is not None:
            self.cache.put(key, reply.to_json())
        cost = self.ledger.settle(
            estimate, reply.prompt_tokens, reply.completion_tokens, estimated=estimated
        )
        return JudgeReply(reply.text, reply.prompt_tokens, reply.completion_tokens, cost, False)


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
