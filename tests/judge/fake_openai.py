"""A scripted OpenAI-compatible chat server on 127.0.0.1 that injects faults and counts calls.

The judge's verdict is derived from the answers in the prompt, so tests know the right result:
an answer containing GOOD beats one containing BAD; BIASED makes the judge always pick the
first position (a position flip); GARBLED makes the reply unreadable; CUTOFF makes the judge
stop at its token limit before the verdict (finish_reason "length"). A multi-turn judgment
(two conversations) is decided by each conversation's last answer only, as the judge is told
to. The server also records how many requests it was handling at once (`max_in_flight`),
holding each for `delay_s`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "CUT_OFF_REPLY",
    "KEY_ENV",
    "SECRET_KEY",
    "FakeChatServer",
    "body_key",
    "is_judgment",
    "last_answers",
    "scripted_verdict",
]

SECRET_KEY = "sk-test-DO-NOT-LEAK-7f3a9c41e2"
KEY_ENV = "BENCHLAB_TEST_JUDGE_KEY"
#: The judge's text when it runs out of tokens before its verdict (sent with "length").
CUT_OFF_REPLY = "Let me compare both answers step by step. First, Assistant A"

_ANSWER = re.compile(
    r"\[The Start of Assistant ([AB])'s Answer\]\n(.*?)\n\[The End of Assistant \1's Answer\]",
    re.DOTALL,
)


_CONVERSATION = re.compile(
    r"\[The Start of Assistant ([AB])'s Conversation with the User\]\n(.*?)\n"
    r"\[The End of Assistant \1's Conversation with the User\]",
    re.DOTALL,
)


def is_judgment(user: str) -> bool:
    """Whether a user message asks for a verdict (one question or two conversations)."""
    return "[User Question]" in user or "Conversation with the User]" in user


def last_answers(user: str) -> dict[str, str]:
    """Each assistant's answer to judge: the answer, or a conversation's last answer."""
    conversations = dict(_CONVERSATION.findall(user))
    if conversations:
        return {k: v.rsplit(f"### Assistant {k}:\n", 1)[-1] for k, v in conversations.items()}
    return dict(_ANSWER.findall(user))


def body_key(body: dict[str, Any]) -> str:
    """A stable hash of a request body, to count duplicate calls."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def scripted_verdict(body: dict[str, Any]) -> str:
    """The judge text for a request, decided by the markers in the two answers."""
    user = body["messages"][-1]["content"]
    if not is_judgment(user):  # a generation request, not a judgment
        return f"answer to: {user[:40]}"
    answers = last_answers(user)
    a, b = answers.get("A", ""), answers.get("B", "")
    if "GARBLED" in a + b:
        return "Both answers have merits and I cannot decide."
    if "CUTOFF" in a + b:
        return CUT_OFF_REPLY
    if "BIASED" in a + b:
        return "The first answer is better. [[A]]"
    good_a, good_b = "GOOD" in a, "GOOD" in b
    if good_a == good_b:
        return 'Remember the format "[[A]]", "[[B]]" or "[[C]]". They are equal. [[C]]'
    return "Assistant A is better. [[A]]" if good_a else "Assistant B is better. [[B]]"


class FakeChatServer:
    """Serve /v1/chat/completions; `faults` is consumed one per request, in arrival order.

    A fault is "hang", "malformed", "no_choices", "truncated" or an HTTP status ("429" carries
    Retry-After).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        verdict: Callable[[dict[str, Any]], str] = scripted_verdict,
        retry_after: str = "0",
        hang_s: float = 1.0,
        report_usage: bool = True,
        delay_s: float = 0.0,
    ) -> None:
        self.api_key = api_key
        self.verdict = verdict
        self.retry_after = retry_after
        self.hang_s = hang_s
        self.report_usage = report_usage
        self.delay_s = delay_s
        self.in_flight = 0
        self.max_in_flight = 0
        self.faults: deque[str] = deque()
        self.requests: list[dict[str, Any]] = []
        self.ok_by_body: Counter[str] = Counter()
        self.kill_pid: int | None = None
        self.kill_at_ok: int | None = None
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def ok_total(self) -> int:
        """Requests answered with a valid completion."""
        return sum(self.ok_by_body.values())

    def start(self) -> str:
        """Start serving in a daemon thread; returns the base URL (…/v1)."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                if owner.api_key is not None and (
                    self.headers.get("Authorization") != f"Bearer {owner.api_key}"
                ):
                    self._send(401, b'{"error": {"message": "bad key"}}')
                    return
                with owner.lock:
                    owner.requests.append(body)
                    fault = owner.faults.popleft() if owner.faults else None
                    owner.in_flight += 1
                    owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
                try:
                    time.sleep(owner.delay_s)
                    self._answer(body, fault)
                finally:
                    with owner.lock:
                        owner.in_flight -= 1

            def _answer(self, body: dict[str, Any], fault: str | None) -> None:
                if fault == "429":
                    self._send(429, b'{"error": "slow down"}', {"Retry-After": owner.retry_after})
                elif fault is not None and fault.isdigit():
                    self._send(int(fault), b'{"error": "injected"}')
                elif fault == "hang":
                    time.sleep(owner.hang_s)
                elif fault == "malformed":
                    self._send(200, b'{"choices": [{"message": ')
                elif fault == "no_choices":
                    self._send(200, b'{"object": "chat.completion", "choices": []}')
                elif fault == "truncated":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "4000")
                    self.end_headers()
                    self.wfile.write(b'{"choices": [{"message": {"content": "[[A')
                    self.wfile.flush()
                    self.close_connection = True
                else:
                    self._complete(body)

            def _complete(self, body: dict[str, Any]) -> None:
                with owner.lock:
                    if owner.kill_at_ok is not None and owner.ok_total >= owner.kill_at_ok:
                        if owner.kill_pid is not None:
                            os.kill(owner.kill_pid, signal.SIGKILL)
                            owner.kill_pid = None
                        return  # never answered: the client is gone
                    owner.ok_by_body[body_key(body)] += 1
                text = owner.verdict(body)
                finish = "length" if text == CUT_OFF_REPLY else "stop"
                chars = sum(len(m["content"]) for m in body["messages"])
                reply: dict[str, Any] = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": finish,
                        }
                    ],
                }
                if owner.report_usage:
                    reply["usage"] = {
                        "prompt_tokens": chars // 4,
                        "completion_tokens": len(text) // 4 + 1,
                        "total_tokens": chars // 4 + len(text) // 4 + 1,
                    }
                self._send(200, json.dumps(reply).encode())

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
