"""Token and cost accounting with a budget cap that holds across experiments and reruns.

A cap is only a cap if nothing can walk around it. Each matrix experiment opens its own judge,
and every rerun starts a new process, so the money spent is not counted in memory: each paid
call's cost is committed to the SQLite reply cache together with the reply (`ReplyStore`), under
a budget scope, and the cap is checked against the sum recorded there for that scope. Cached
replies cost nothing; judge calls and answers generated through a paid endpoint both count.

Before a call starts its expected cost is reserved. Reserving the worst case (`max_tokens` out)
for every call in flight stopped runs at half their cap, so each endpoint client keeps a
`ReplySizes` that learns from its replies so far (cached ones included): input tokens at the
highest observed tokens-per-character ratio, output tokens at a running 95th percentile, both
worst case until `MIN_OBSERVED` replies are in. A call is admitted when the spend, the calls in
flight and this call's worst case fit under the cap: with one call at a time the cap is never
exceeded, and with several in flight only replies far longer than any seen before could
overshoot it.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from benchlab.errors import BenchlabError

__all__ = [
    "MIN_OBSERVED",
    "OUTPUT_QUANTILE",
    "BudgetExhaustedError",
    "CostLedger",
    "Pricing",
    "ReplySizes",
    "SpendRecord",
    "budget_scope",
    "worst_case_input_tokens",
]

#: Settings that change how calls are made, paid for or summarized, not which calls are made.
_NOT_IN_SCOPE = frozenset(
    {
        "budget",
        "concurrency",
        "timeout_s",
        "retries",
        "backoff_base_s",
        "backoff_max_s",
        "cache",
        "output_dir",
        "n_resamples",
    }
)


class BudgetExhaustedError(BenchlabError):
    """The next paid call could exceed the configured budget; the run stops cleanly."""


class SpendRecord(Protocol):
    """Where paid calls' costs are summed (`benchlab.judge.cache.ReplyStore`)."""

    def spent_usd(self, scope: str) -> float:
        """Dollars recorded under `scope`."""


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


def worst_case_input_tokens(prompt_chars: int, messages: int) -> int:
    """An upper bound on a prompt's tokens: 2 characters per token plus per-message overhead."""
    return math.ceil(prompt_chars / 2) + 8 * messages


#: Replies to observe before their sizes replace the worst case in reservations.
MIN_OBSERVED = 8
#: The share of observed replies whose output a reservation covers.
OUTPUT_QUANTILE = 0.95


class ReplySizes:
    """What calls have cost so far: tokens per prompt character in, output tokens out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._outputs: list[int] = []  # sorted
        self._tokens_per_char = 0.0

    def observe(
        self, prompt_chars: int, input_tokens: int | None, output_tokens: int | None
    ) -> None:
        """Record one reply's size (calls without usage are not observed)."""
        if input_tokens is None or output_tokens is None:
            return
        with self._lock:
            bisect.insort(self._outputs, output_tokens)
            if prompt_chars > 0:
                self._tokens_per_char = max(self._tokens_per_char, input_tokens / prompt_chars)

    @property
    def observed(self) -> int:
        """Replies observed so far."""
        return len(self._outputs)

    def expected_tokens(self, prompt_chars: int, messages: int, max_tokens: int) -> tuple[int, int]:
        """(input, output) tokens to reserve for a call: observed sizes, or the worst case."""
        worst_in = worst_case_input_tokens(prompt_chars, messages)
        with self._lock:
            if len(self._outputs) < MIN_OBSERVED:
                return worst_in, max_tokens
            index = min(len(self._outputs) - 1, math.ceil(OUTPUT_QUANTILE * len(self._outputs)))
            tokens_in = math.ceil(prompt_chars * self._tokens_per_char) + 8 * messages
            return min(worst_in, tokens_in), min(max_tokens, self._outputs[index])


#: Settings added after studies were first scoped, with their defaults: left out of the scope
#: when at the default, so a study begun before they existed keeps its account.
_ADDED_LATER: dict[str, Any] = {
    "category_field": None,
    "max_turns": None,
    "multi_turn_template": None,
    "multi_turn_reference_template": None,
}


def _without_added_defaults(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_added_defaults(v)
            for k, v in value.items()
            if not (k in _ADDED_LATER and v == _ADDED_LATER[k])
        }
    if isinstance(value, list):
        return [_without_added_defaults(v) for v in value]
    return value


def budget_scope(settings: Any) -> str:
    """The budget scope of a study: a hash of its settings without budget and transport knobs.

    `settings` is a pydantic model (`JudgeSettings` or a subclass).
    """
    dump = _without_added_defaults(settings.model_dump(mode="json"))
    data = {k: v for k, v in dump.items() if k not in _NOT_IN_SCOPE}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return "study:" + hashlib.sha256(text.encode()).hexdigest()[:16]


class CostLedger:
    """Thread-safe token and cost accounting with an optional hard budget in US dollars.

    With a `store`, the budget is checked against everything recorded there under `scope`
    (this session's calls included, once committed); without one, against this ledger alone.
    The counters (`paid_calls`, `spent_usd`, ...) always describe this session.
    """

    def __init__(
        self,
        pricing: Pricing = Pricing(),
        max_usd: float | None = None,
        *,
        store: SpendRecord | None = None,
        scope: str = "default",
    ) -> None:
        self.pricing = pricing
        self.max_usd = max_usd
        self.store = store
        self.scope = scope
        self._lock = threading.Lock()
        self._reserved = 0.0
        self.spent_usd = 0.0
        self.cached_usd = 0.0
        self.paid_calls = 0
        self.cached_calls = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.estimated_usage_calls = 0

    def _scope_spent(self) -> float:
        return self.store.spent_usd(self.scope) if self.store is not None else self.spent_usd

    def reserve(self, estimate_usd: float, worst_case_usd: float | None = None) -> None:
        """Hold `estimate_usd` for a call about to start; raises if it could break the budget.

        The call is admitted when the spend, the reservations in flight and its worst case
        (`worst_case_usd`, default the estimate) fit under the cap.
        """
        worst = estimate_usd if worst_case_usd is None else max(worst_case_usd, estimate_usd)
        with self._lock:
            if self.max_usd is None:
                self._reserved += estimate_usd
                return
            spent = self._scope_spent()
            if spent + self._reserved + worst > self.max_usd:
                earlier = spent - self.spent_usd
                raise BudgetExhaustedError(
                    f"budget of ${self.max_usd:.4f} reached: ${spent:.4f} spent in all "
                    f"(${earlier:.4f} of it by earlier runs or other experiments of this "
                    f"study), ${self._reserved:.4f} held for calls in flight, and the next "
                    f"call could cost up to ${worst:.4f}; raise "
                    "`budget.max_usd` and rerun to judge the rest (judged pairs are cached)"
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
        """Replace a reservation by the call's actual cost; returns that cost.

        Commit the call's cost to the store (`ReplyStore.put(..., spend=...)`) before
        settling, so the cost is never missing from the scope's total.
        """
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
        """Count a cache hit (free now); returns what the call cost when it was first made."""
        cost = self.pricing.cost(input_tokens, output_tokens)
        with self._lock:
            self.cached_calls += 1
            self.cached_usd += cost
        return cost

    def summary(self) -> dict[str, Any]:
        """Counts and dollars for judge_results.json; `study_spent_usd` is the capped total."""
        with self._lock:
            return {
                "paid_calls": self.paid_calls,
                "cached_calls": self.cached_calls,
                "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens,
                "spent_usd": round(self.spent_usd, 6),
                "cached_usd": round(self.cached_usd, 6),
                "study_spent_usd": round(self._scope_spent(), 6),
                "max_usd": self.max_usd,
                "estimated_usage_calls": self.estimated_usage_calls,
                "price_input_per_million": self.pricing.input_per_million,
                "price_output_per_million": self.pricing.output_per_million,
            }
