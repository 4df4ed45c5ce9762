"""An HTTP client for OpenAI-compatible chat endpoints, and a generation backend built on it.

OpenAI, vLLM's server, llama.cpp's server and TGI all speak `POST {base_url}/chat/completions`.
Paid APIs fail transiently (429, 5xx, timeouts, cut-off bodies), so every call retries with
exponential backoff and full jitter, honouring Retry-After (see `retryable_status` for which
statuses). The API key is read from the
environment at call time, sent only in the Authorization header, and redacted from every
message this module raises; nothing here ever stores it.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchlab.backends.base import Backend
from benchlab.backends.registry import register_backend
from benchlab.config.secrets import SECRET_ADVICE, looks_like_secret
from benchlab.errors import BackendUnavailableError, ConfigError
from benchlab.requests import GenerationRequest, GenerationResult
from benchlab.store import request_key

if TYPE_CHECKING:
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

__all__ = [
    "ChatClient",
    "ChatReply",
    "EndpointError",
    "EndpointOptions",
    "OpenAICompatibleBackend",
    "OpenAICompatibleClient",
    "ReplyCache",
    "retryable_status",
]

Message = Mapping[str, str]

#: 4xx statuses that mean "try again later": request timeout, conflict (OpenAI's and
#: Anthropic's SDKs retry it as a lock timeout), too early (RFC 8470) and rate limited.
_RETRY_CLIENT_STATUSES = frozenset({408, 409, 425, 429})


def retryable_status(status: int) -> bool:
    """Whether an HTTP status is worth retrying: the four 4xx above and every 5xx.

    Every 5xx, not a list: gateways and CDNs answer 502-504 and 520-529 (Cloudflare, 529
    "overloaded") for transient trouble, and the official OpenAI and Anthropic clients retry
    all of them too. A permanent 5xx such as 501 costs only the bounded retries. Other 4xx
    (bad request, wrong key, unknown model) fail at once: repeating them cannot help.
    """
    return status in _RETRY_CLIENT_STATUSES or 500 <= status <= 599


class EndpointError(BackendUnavailableError):
    """A chat endpoint refused a request or kept failing after every retry."""


class _RetryableError(Exception):
    """A failed attempt worth retrying; `retry_after` is the server's wish in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ChatReply:
    """The assistant's text and the token usage the server reported (None when absent)."""

    text: str
    prompt_tokens: int | None
    completion_tokens: int | None
    finish_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, the form stored in caches."""
        return {
            "text": self.text,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "finish_reason": self.finish_reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ChatReply:
        """Inverse of `to_json`."""
        return cls(
            text=str(data["text"]),
            prompt_tokens=data.get("prompt_tokens"),
            completion_tokens=data.get("completion_tokens"),
            finish_reason=data.get("finish_reason"),
        )


class ReplyCache(Protocol):
    """Persistent storage of replies by request key (see `benchlab.judge.cache`)."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored reply for `key`, or None."""

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        """Store a reply durably before returning."""


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if unusable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _parse_reply(body: bytes) -> ChatReply:
    """Extract text and usage from a chat completion body; malformed bodies are retryable."""
    try:
        data = json.loads(body)
        choice = data["choices"][0]
        text = choice["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise _RetryableError(f"malformed reply ({type(exc).__name__}: {exc})") from exc
    if not isinstance(text, str):
        raise _RetryableError("malformed reply (message content is not a string)")
    usage = data.get("usage") or {}
    prompt_tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    completion_tokens = usage.get("completion_tokens") if isinstance(usage, dict) else None
    return ChatReply(
        text=text,
        prompt_tokens=prompt_tokens if isinstance(prompt_tokens, int) else None,
        completion_tokens=completion_tokens if isinstance(completion_tokens, int) else None,
        finish_reason=choice.get("finish_reason") if isinstance(choice, dict) else None,
    )


class OpenAICompatibleClient:
    """Chat completions over HTTP with retries; thread-safe, one connection pool per client."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key_env: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 6,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ) -> None:
        if api_key_env is not None and looks_like_secret(api_key_env):
            raise ConfigError(
                f"judge/model endpoint {base_url}: api_key_env must name an environment "
                f"variable, not hold the key; {SECRET_ADVICE}"
            )
        if api_key_env is not None and not os.environ.get(api_key_env):
            raise ConfigError(
                f"judge/model endpoint {base_url}: environment variable {api_key_env!r} "
                "is not set; export the API key there (benchlab never reads keys from files)"
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._http: Any = None
        self._http_lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        """The URL requests go to; part of every cache key."""
        return f"{self.base_url}/chat/completions"

    def payload(
        self,
        messages: Sequence[Message],
        *,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        top_p: float | None = None,
        stop: Sequence[str] = (),
        seed: int | None = None,
    ) -> dict[str, Any]:
        """The JSON body of a chat request; the same body always yields the same cache key."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        if top_p is not None and top_p != 1.0:
            body["top_p"] = top_p
        if stop:
            body["stop"] = list(stop)
        if seed is not None:
            body["seed"] = seed
        return body

    def _client(self) -> Any:
        with self._http_lock:
            if self._http is None:
                import httpx

                self._http = httpx.Client(timeout=self.timeout)
            return self._http

    def close(self) -> None:
        """Close the connection pool."""
        with self._http_lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def _redact(self, text: str) -> str:
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        return text.replace(key, "[REDACTED]") if key else text

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.api_key_env:
            headers["Authorization"] = f"Bearer {os.environ.get(self.api_key_env, '')}"
        return headers

    def _attempt(self, body: Mapping[str, Any]) -> ChatReply:
        import httpx

        try:
            response = self._client().post(self.endpoint, json=body, headers=self._headers())
            content = response.content
        except httpx.TimeoutException as exc:
            raise _RetryableError(f"timed out after {self.timeout}s") from exc
        except httpx.TransportError as exc:  # refused, reset, truncated body
            raise _RetryableError(f"transport error ({type(exc).__name__}: {exc})") from exc
        if retryable_status(response.status_code):
            raise _RetryableError(
                f"HTTP {response.status_code}",
                _parse_retry_after(response.headers.get("retry-after")),
            )
        if response.status_code >= 400:
            snippet = content[:300].decode("utf-8", "replace")
            raise EndpointError(
                self._redact(
                    f"{self.endpoint} answered HTTP {response.status_code} for model "
                    f"{self.model!r}: {snippet} (check base_url, model and the API key "
                    f"in ${self.api_key_env or '<none>'})"
                )
            )
        return _parse_reply(content)

    def backoff_delay(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter exponential backoff, never shorter than the server's Retry-After."""
        with self._rng_lock:
            jittered = self._rng.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))
        if retry_after is not None:
            return max(jittered, min(retry_after, self.max_retry_after))
        return jittered

    def send(self, body: Mapping[str, Any]) -> ChatReply:
        """POST one prepared body, retrying transient failures; raises EndpointError at the end."""
        last = ""
        for attempt in range(self.max_retries + 1):
            try:
                return self._attempt(body)
            except _RetryableError as exc:
                last = str(exc)
                if attempt == self.max_retries:
                    break
                self._sleep(self.backoff_delay(attempt, exc.retry_after))
        raise EndpointError(
            self._redact(
                f"{self.endpoint} (model {self.model!r}) failed {self.max_retries + 1} times; "
                f"last error: {last}. Check that the server is up or raise `retries`."
            )
        )

    def chat(self, messages: Sequence[Message], **options: Any) -> ChatReply:
        """One chat completion for `messages` (options as in `payload`)."""
        return self.send(self.payload(messages, **options))


class ChatClient(Protocol):
    """What the backend needs from a client: `OpenAICompatibleClient` or a metering wrapper."""

    base_url: str
    model: str

    @property
    def endpoint(self) -> str:
        """The URL requests go to."""

    def payload(self, messages: Sequence[Message], **options: Any) -> dict[str, Any]:
        """The JSON body of a chat request."""

    def send(self, body: Mapping[str, Any]) -> ChatReply:
        """The reply to a prepared body."""


class EndpointOptions(BaseModel):
    """`backend_options` of an OpenAI-compatible model entry (the model name is its `path`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str
    api_key_env: str | None = Field(None, description="environment variable holding the key")
    timeout: float = Field(60.0, gt=0)
    max_retries: int = Field(6, ge=0)
    seed: int | None = None


@register_backend(
    "openai_compatible",
    description="any OpenAI-compatible chat endpoint: generation (zero-shot, few-shot, judge)",
)
class OpenAICompatibleBackend(Backend):
    """A generation-only backend backed by a chat endpoint, with an optional reply cache.

    Prompts are sent as one user message (chat endpoints have no raw-completion mode that all
    servers share); sample i of a request uses seed `request.seed + i`.
    """

    batch_size = 1

    def __init__(self, client: ChatClient, cache: ReplyCache | None = None) -> None:
        self.client = client
        self.cache = cache

    serves: ClassVar[Mapping[type, str]] = {GenerationRequest: "generate"}

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        *,
        adapter: str | None = None,
        loaded: LoadedModel | None = None,
        tag: tuple[str, ...] = (),
    ) -> OpenAICompatibleBackend:
        """A chat endpoint from the entry's `backend_options`; the entry's `path` is the model."""
        if adapter is not None or loaded is not None or spec.adapter or spec.quantization:
            raise ConfigError(
                f"model {spec.name!r}: an OpenAI-compatible endpoint has no local weights to "
                "adapt or quantize; use it with prompting modes (zero_shot, few_shot)"
            )
        try:
            options = EndpointOptions.model_validate(spec.backend_options)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(
                f"model {spec.name!r}: backend_options: {problems} (an OpenAI-compatible model "
                "needs backend_options.base_url, e.g. http://localhost:8000/v1)"
            ) from exc
        client = OpenAICompatibleClient(
            options.base_url,
            spec.path,
            api_key_env=options.api_key_env,
            timeout=options.timeout,
            max_retries=options.max_retries,
            seed=options.seed,
        )
        backend = cls(client)
        return backend

    @property
    def fingerprint(self) -> str:
        """Endpoint and model name: all that identifies a remote model."""
        return f"openai-compatible:{self.client.base_url}:{self.client.model}"

    def _one(self, body: Mapping[str, Any]) -> str:
        key = request_key(self.client.endpoint, body)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return ChatReply.from_json(hit).text
        reply = self.client.send(body)
        if self.cache is not None:
            self.cache.put(key, reply.to_json())
        return reply.text

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generate each request's samples through the chat endpoint."""
        results = []
        for request in requests:
            texts = []
            for i in range(request.num_samples):
                body = self.client.payload(
                    [{"role": "user", "content": request.prompt}],
                    temperature=request.temperature,
                    max_tokens=request.max_new_tokens,
                    top_p=request.top_p,
                    stop=request.stop,
                    seed=request.seed + i,
                )
                texts.append(self._one(body))
            results.append(GenerationResult(texts=tuple(texts)))
        return results
