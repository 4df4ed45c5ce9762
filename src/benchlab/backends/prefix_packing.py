"""Rows that score every continuation of one context in a single forward pass.

lm-evaluation-harness feeds `context + continuation` (left-truncated) once per continuation. A row
here holds that input's shared part, the trunk (the context's tokens), once, followed by branches:
each continuation's tokens but the last, one after another. A 4D attention mask lets a branch
token see the trunk and its own branch's earlier tokens only, and position ids restart every
branch at the trunk's end, so each token gets the hidden state it has in lm-eval's own input. The
logits needed (the trunk's last position, which predicts every branch's first token, and the
branch positions) are the row's tail from the trunk's last token on, and only they go through the
vocabulary projection. A row with at most one multi-token branch is an ordinary causal sequence
and needs no mask; right padding then only follows the real tokens, as in lm-eval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchlab.errors import BenchlabError

__all__ = ["Branch", "PackedBatch", "Row", "batch_rows", "pack_rows"]


@dataclass(frozen=True)
class Branch:
    """One continuation to score: its tokens are the targets, all but the last are fed."""

    request: int
    targets: tuple[int, ...]

    @property
    def fed(self) -> tuple[int, ...]:
        """Tokens placed after the trunk (the last target is predicted, never fed)."""
        return self.targets[:-1]


@dataclass
class Row:
    """A trunk and the branches scored from it."""

    trunk: tuple[int, ...]
    branches: list[Branch] = field(default_factory=list)

    @property
    def width(self) -> int:
        """Tokens the row feeds to the model."""
        return len(self.trunk) + sum(len(b.fed) for b in self.branches)

    @property
    def needs_mask(self) -> bool:
        """Whether two branches feed tokens, so they must not see each other."""
        return sum(1 for b in self.branches if b.fed) > 1


def pack_rows(
    pairs: Sequence[tuple[Sequence[int], Sequence[int]]],
    *,
    max_length: int,
    max_packed_width: int,
    share_trunks: bool = True,
    pack_branches: bool = True,
) -> list[Row]:
    """Rows answering every pair whose continuation is non-empty, truncated as lm-eval does.

    `share_trunks` lets pairs with the same trunk share a row; `pack_branches` lets more than one
    multi-token branch share it (that needs a 4D mask), up to `max_packed_width` tokens.
    """
    rows: list[Row] = []
    open_rows: dict[tuple[int, ...], Row] = {}
    for index, (context, continuation) in enumerate(pairs):
        if not continuation:
            continue
        if len(continuation) > max_length:
            raise BenchlabError(
                f"a continuation of {len(continuation)} tokens does not fit the model's "
                f"max_length {max_length}; raise max_length or shorten the continuation"
            )
        window = [*context, *continuation][-(max_length + 1) :][:-1]
        branch = Branch(index, tuple(continuation))
        trunk = tuple(window[: len(window) - len(branch.fed)])
        row = open_rows.get(trunk) if share_trunks else None
        if row is not None and branch.fed:
            fed_before = any(b.fed for b in row.branches)
            too_wide = row.width + len(branch.fed) > max_packed_width
            if fed_before and (not pack_branches or too_wide):
                row = None
        if row is None:
            row = Row(trunk)
            rows.append(row)
            open_rows[trunk] = row
        row.branches.append(branch)
    return rows


@dataclass(frozen=True)
class PackedBatch:
    """Model inputs for some rows, and where each target's logits land among the kept ones.

    `keep` marks, per row, the positions whose logits are computed; flattened row by row they
    give the kept logits' order, in which `slots[i]` holds target `tokens[i]` of `requests[i]`.
    """

    input_ids: Any
    position_ids: Any
    attention_mask: Any
    keep: Any
    slots: Any
    tokens: Any
    requests: Any


def batch_rows(rows: Sequence[Row], *, pad_id: int, mask_dtype: Any, device: Any) -> PackedBatch:
    """Right-padded tensors for `rows`, with a branch-aware 4D mask only where one is needed."""
    import torch

    width = max(row.width for row in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    positions = torch.zeros((len(rows), width), dtype=torch.long)
    segments = torch.full((len(rows), width), -1, dtype=torch.long)
    keep = torch.zeros((len(rows), width), dtype=torch.bool)
    slots, tokens, requests = [], [], []
    offset = 0
    for r, row in enumerate(rows):
        trunk = len(row.trunk)
        ids[r, :trunk] = torch.tensor(row.trunk)
        positions[r, :trunk] = torch.arange(trunk)
        segments[r, :trunk] = 0
        keep[r, trunk - 1 : row.width] = True
        start = trunk
        for number, branch in enumerate(row.branches, start=1):
            fed = len(branch.fed)
            if fed:
                ids[r, start : start + fed] = torch.tensor(branch.fed)
                positions[r, start : start + fed] = torch.arange(trunk, trunk + fed)
                segments[r, start : start + fed] = number
            # Target 0 is predicted at the trunk's last position, target t at fed token t - 1.
            cols = [trunk - 1, *range(start, start + fed)]
            slots.extend(offset + c - (trunk - 1) for c in cols)
            tokens.extend(branch.targets)
            requests.extend([branch.request] * len(branch.targets))
            start += fed
        offset += row.width - trunk + 1
    mask = None
    if any(row.needs_mask for row in rows):
        order = torch.arange(width)
        causal = order.unsqueeze(0) <= order.unsqueeze(1)
        same = (segments.unsqueeze(1) == 0) | (segments.unsqueeze(1) == segments.unsqueeze(2))
        allowed = (causal.unsqueeze(0) & same).unsqueeze(1)
        blocked = torch.finfo(mask_dtype).min
        mask = torch.zeros(allowed.shape, dtype=mask_dtype).masked_fill(~allowed, blocked)
        mask = mask.to(device)
    return PackedBatch(
        input_ids=ids.to(device),
        position_ids=positions.to(device) if mask is not None else None,
        attention_mask=mask,
        keep=keep.to(device),
        slots=torch.tensor(slots, dtype=torch.long, device=device),
        tokens=torch.tensor(tokens, dtype=torch.long, device=device),
        requests=torch.tensor(requests, dtype=torch.long, device=device),
    )
