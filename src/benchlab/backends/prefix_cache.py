"""Run a token prefix shared by many inputs once, and start every input from its key/value states.

Few-shot prompts repeat the same block (MMLU's five dev questions of a subject, GSM8K's eight
exemplars) before every item; recomputing it per item is where most of the time goes. Groups are
found in token space, on the exact ids each input would be fed on its own (lm-evaluation-harness's
context / continuation split already applied), so the cached states are those of the very tokens
the input starts with. Where a tokenizer merges across a text boundary, the inputs simply differ
from that token on: an input whose token sequence does not start with the group's prefix is never
put in that group, and a prefix always stops at least one token before the end of each member, so
the member's own last context token is fed (and predicts its first continuation token) as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import Any

__all__ = [
    "PrefixGroup",
    "common_prefix_length",
    "expanded_cache",
    "prefix_cache_supported",
    "prefix_states",
    "shared_prefix_groups",
]


@dataclass(frozen=True)
class PrefixGroup:
    """Inputs (by index) whose first `length` tokens are identical."""

    length: int
    members: tuple[int, ...]


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Number of leading tokens two sequences share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def shared_prefix_groups(
    sequences: Sequence[Sequence[int]],
    *,
    min_tokens: int = 48,
    min_members: int = 2,
    min_saved: int = 0,
) -> list[PrefixGroup]:
    """Groups of inputs whose shared prefix, fed once, saves the most token positions.

    Sorted sequences that share a prefix are adjacent, so a group is a run of the sorted order
    and its prefix is the run's smallest common prefix of neighbours. A run either stays one
    group or splits where neighbours share only that smallest prefix, into runs sharing longer
    ones; the choice that saves more positions wins (MMLU's 5-shot blocks beat the words every
    subject's header shares; a zero-shot subject's header beats the few questions that start
    alike). A group needs a prefix of `min_tokens` and must save `min_saved` positions (a
    separate pass is not free). Each prefix stops one token before its shortest member ends, so
    every member feeds a token.
    """
    order = sorted(range(len(sequences)), key=lambda i: tuple(sequences[i]))
    shared = [0] + [
        common_prefix_length(sequences[order[k - 1]], sequences[order[k]])
        for k in range(1, len(order))
    ]

    def as_group(lo: int, hi: int) -> tuple[int, PrefixGroup | None]:
        members = order[lo:hi]
        if len(members) < max(min_members, 2):
            return 0, None
        length = min(min(shared[lo + 1 : hi]), min(len(sequences[m]) for m in members) - 1)
        saved = length * (len(members) - 1)
        if length < min_tokens or saved < max(min_saved, 1):
            return 0, None
        return saved, PrefixGroup(length, tuple(sorted(members)))

    def splits(lo: int, hi: int) -> list[tuple[int, int]]:
        lowest = min(shared[lo + 1 : hi])
        bounds = [lo, *(k for k in range(lo + 1, hi) if shared[k] == lowest), hi]
        return list(pairwise(bounds))

    best: dict[tuple[int, int], tuple[int, list[PrefixGroup]]] = {}
    stack = [(0, len(order), False)]
    while stack:  # post-order over runs, without recursion (runs nest as deep as prefixes)
        lo, hi, children_done = stack.pop()
        if hi - lo < 2:
            best[(lo, hi)] = (0, [])
        elif not children_done:
            stack.append((lo, hi, True))
            stack.extend((a, b, False) for a, b in splits(lo, hi))
        else:
            parts = [best.pop(run) for run in splits(lo, hi)]
            split_saved = sum(saved for saved, _ in parts)
            whole_saved, whole = as_group(lo, hi)
            if whole is not None and whole_saved >= split_saved:
                best[(lo, hi)] = (whole_saved, [whole])
            else:
                best[(lo, hi)] = (split_saved, [g for _, groups in parts for g in groups])
    return best[(0, len(order))][1] if order else []


def prefix_cache_supported(model: Any) -> bool:
    """Whether a model's states can be cached and replayed for a batch (plain dynamic cache).

    Sliding-window and hybrid (recurrent) models keep states a plain key/value cache cannot
    replay for a batch, so they take the uncached path.
    """
    config = getattr(model, "config", None)
    text = config.get_text_config(decoder=True) if hasattr(config, "get_text_config") else config
    if getattr(text, "is_encoder_decoder", False):
        return False
    layer_types = getattr(text, "layer_types", None)
    if layer_types is not None:
        return set(layer_types) == {"full_attention"}
    return not getattr(text, "sliding_window", None)


def prefix_states(model: Any, prefix: Sequence[int], device: Any) -> list[tuple[Any, Any]]:
    """Keys and values of every layer after feeding `prefix` alone (batch of one)."""
    import torch

    ids = torch.tensor([list(prefix)], dtype=torch.long, device=device)
    with torch.inference_mode():
        cache = model(input_ids=ids, use_cache=True).past_key_values
    return [(layer.keys, layer.values) for layer in cache.layers]


def expanded_cache(states: Sequence[tuple[Any, Any]], rows: int) -> Any:
    """A fresh cache holding the prefix states for `rows` inputs, grown in place as it fills.

    A plain dynamic cache concatenates each layer's whole keys and values at every decoding
    step, so a batch behind GSM8K's eight exemplars copies them again for every new token; here
    each step writes its token into spare room (doubled when full) and the model reads a view.
    """
    from transformers import DynamicCache

    grown = DynamicCache()
    grown.layers = [_growing_layer_class()() for _ in states]
    for layer, (keys, values) in zip(grown.layers, states, strict=True):
        layer.update(keys.expand(rows, *keys.shape[1:]), values.expand(rows, *values.shape[1:]))
    return grown


@cache
def _growing_layer_class() -> type:
    """transformers' dynamic cache layer, writing new states into spare room (defined once)."""
    from transformers.cache_utils import DynamicLayer

    class GrowingLayer(DynamicLayer):
        """Keys and values are views of a buffer with spare room, doubled when it is full."""

        _room: tuple[Any, Any] | None = None

        def update(self, key_states: Any, value_states: Any, *args: Any, **kwargs: Any) -> Any:
            """Append the new states in place; return every state so far (as views)."""
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
            used = self.get_seq_length()
            needed = used + key_states.shape[-2]
            if self._room is None or needed > self._room[0].shape[-2]:
                self._room = _more_room(self._room, key_states, value_states, used, needed)
            self._room[0][..., used:needed, :] = key_states
            self._room[1][..., used:needed, :] = value_states
            self.keys = self._room[0][..., :needed, :]
            self.values = self._room[1][..., :needed, :]
            return self.keys, self.values

    return GrowingLayer


def _more_room(
    room: tuple[Any, Any] | None, keys: Any, values: Any, used: int, needed: int
) -> tuple[Any, Any]:
    """Buffers for at least `needed` positions (twice what is used), holding the first `used`."""
    length = max(needed, 2 * used, 64)
    grown = (
        keys.new_empty((*keys.shape[:-2], length, keys.shape[-1])),
        values.new_empty((*values.shape[:-2], length, values.shape[-1])),
    )
    if room is not None and used:
        grown[0][..., :used, :] = room[0][..., :used, :]
        grown[1][..., :used, :] = room[1][..., :used, :]
    return grown
