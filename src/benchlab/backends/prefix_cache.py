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
    sequences: Sequence[Sequence[int]], *, min_tokens: int = 48, min_members: int = 2
) -> list[PrefixGroup]:
    """Groups of inputs sharing at least `min_tokens` leading tokens, found after a sort.

    Sorted sequences that share a prefix are adjacent, and a group's prefix is the smallest
    common prefix of neighbours. A neighbour that would halve the group's prefix starts a new
    group instead (the next subject's block shares only its description's first words). Each
    prefix stops one token before its shortest member ends, so every member feeds a token.
    """
    order = sorted(range(len(sequences)), key=lambda i: tuple(sequences[i]))
    groups: list[PrefixGroup] = []
    members: list[int] = []
    shared = 0

    def close() -> None:
        if len(members) >= min_members:
            length = min(shared, min(len(sequences[m]) for m in members) - 1)
            if length >= min_tokens:
                groups.append(PrefixGroup(length, tuple(sorted(members))))

    for index in order:
        if members:
            common = common_prefix_length(sequences[members[-1]], sequences[index])
            narrowed = min(shared, common)
            if narrowed >= min_tokens and (len(members) == 1 or 2 * narrowed >= shared):
                members.append(index)
                shared = narrowed
                continue
            close()
        members, shared = [index], len(sequences[index])
    if members:
        close()
    return groups


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
    """A fresh cache holding the prefix states for `rows` inputs (a view, copied on append)."""
    from transformers import DynamicCache

    return DynamicCache(
        ddp_cache_data=[
            (keys.expand(rows, *keys.shape[1:]), values.expand(rows, *values.shape[1:]))
            for keys, values in states
        ]
    )
