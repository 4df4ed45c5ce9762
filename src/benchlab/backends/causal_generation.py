"""Batched generation for causal models: greedy and seeded sampling, from a cached shared prefix.

Prompts that start with the same long token block (GSM8K's eight exemplars) are grouped; the block
runs once and every row of a batch starts from its states. A row is then `block + padding +
own tokens`: the padding sits between the block and the row's tokens, masked out, and position
ids count real tokens only, so each row computes what it computes alone, as left padding does.

Sampling draws each row's token as the argmax of its tempered, top-p filtered logits plus Gumbel
noise from the row's own generator (seeded with the item's seed + sample number): the same draw
as sampling from the softmax, but one that depends only on the row, never on what it is batched
with or on the global RNG. M samples of an item are M rows of one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from benchlab.backends.prefix_cache import (
    expanded_cache,
    prefix_cache_supported,
    prefix_states,
    shared_prefix_groups,
)

__all__ = ["Decoding", "RowGenerator", "truncate_at_stop"]


def truncate_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut generated text at the earliest stop sequence."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=len(text))
    return text[:cut]


@dataclass(frozen=True)
class Decoding:
    """How rows are decoded: greedy when `temperature` is 0, else sampled with top-p."""

    max_new_tokens: int
    stop: tuple[str, ...] = ()
    temperature: float = 0.0
    top_p: float = 1.0

    @property
    def sampling(self) -> bool:
        """Whether tokens are drawn rather than picked greedily."""
        return self.temperature > 0


def _gumbel_processor(seeds: Sequence[int], device: Any) -> Any:
    """A logits processor adding per-row Gumbel noise from per-row seeded generators."""
    import torch
    from transformers import LogitsProcessor

    class SeededGumbel(LogitsProcessor):
        """argmax(scores + Gumbel noise) is a draw from softmax(scores), one generator per row."""

        def __init__(self) -> None:
            self.generators = [torch.Generator(device=device).manual_seed(s) for s in seeds]

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            tiny = torch.finfo(torch.float32).tiny
            uniform = torch.stack(
                [
                    torch.rand(scores.shape[-1], generator=g, device=device, dtype=torch.float32)
                    for g in self.generators
                ]
            )
            noise = -torch.log(-torch.log(uniform.clamp(min=tiny)))
            return scores.float() + noise

    return SeededGumbel()


class RowGenerator:
    """Decodes rows of token ids in budgeted batches, sharing long prefixes through a cache."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        budget: Callable[[int], int],
        share_prefix: bool = True,
        min_prefix: int = 48,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.budget = budget
        self.share_prefix = share_prefix and prefix_cache_supported(model)
        self.min_prefix = min_prefix

    @property
    def _device(self) -> Any:
        return next(self.model.parameters()).device

    def run(
        self, rows: Sequence[Sequence[int]], seeds: Sequence[int], decoding: Decoding
    ) -> list[str]:
        """Generated text of every row (stop sequences cut); `seeds` matter only when sampling."""
        texts: dict[int, str] = {}
        grouped: set[int] = set()
        groups = shared_prefix_groups(rows, min_tokens=self.min_prefix) if self.share_prefix else []
        for group in groups:
            prefix = list(rows[group.members[0]][: group.length])
            states = prefix_states(self.model, prefix, self._device)
            tails = {m: list(rows[m][group.length :]) for m in group.members}
            texts.update(self._batches(tails, seeds, decoding, (prefix, states)))
            grouped.update(group.members)
        rest = {i: list(r) for i, r in enumerate(rows) if i not in grouped}
        texts.update(self._batches(rest, seeds, decoding, None))
        return [texts[i] for i in range(len(rows))]

    def _batches(
        self,
        rows: dict[int, list[int]],
        seeds: Sequence[int],
        decoding: Decoding,
        prefix: tuple[list[int], Any] | None,
    ) -> Iterator[tuple[int, str]]:
        order = sorted(rows, key=lambda i: -len(rows[i]))
        lengths = [len(rows[i]) + decoding.max_new_tokens for i in order]
        for batch in _budget_batches(lengths, self.budget(lengths[0] if lengths else 1)):
            chunk = [order[j] for j in batch]
            outputs = self._generate(
                [rows[i] for i in chunk], [seeds[i] for i in chunk], decoding, prefix
            )
            yield from zip(chunk, outputs, strict=True)

    def _generate(
        self,
        rows: list[list[int]],
        seeds: list[int],
        decoding: Decoding,
        prefix: tuple[list[int], Any] | None,
    ) -> list[str]:
        import torch

        device = self._device
        width = max(len(r) for r in rows)
        pad_id = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for r, tokens in enumerate(rows):
            ids[r, width - len(tokens) :] = torch.tensor(tokens, dtype=torch.long)
            mask[r, width - len(tokens) :] = 1
        extra: dict[str, Any] = {}
        if prefix is not None:
            prefix_ids, states = prefix
            block = torch.tensor([prefix_ids], dtype=torch.long).expand(len(rows), -1)
            ids = torch.cat([block, ids], dim=1)
            mask = torch.cat([torch.ones_like(block), mask], dim=1)
            extra["past_key_values"] = expanded_cache(states, len(rows))
        if decoding.sampling:
            from transformers import (
                LogitsProcessorList,
                TemperatureLogitsWarper,
                TopPLogitsWarper,
            )

            processors = [TemperatureLogitsWarper(decoding.temperature)]
            if decoding.top_p < 1.0:
                processors.append(TopPLogitsWarper(decoding.top_p))
            processors.append(_gumbel_processor(seeds, device))
            extra["logits_processor"] = LogitsProcessorList(processors)
        with torch.inference_mode():
            output = self.model.generate(
                input_ids=ids.to(device),
                attention_mask=mask.to(device),
                max_new_tokens=decoding.max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=self.tokenizer.pad_token_id,
                stop_strings=list(decoding.stop) or None,
                tokenizer=self.tokenizer if decoding.stop else None,
                **extra,
            )
        texts = []
        for row in range(len(rows)):
            text = self.tokenizer.decode(output[row, ids.shape[1] :], skip_special_tokens=True)
            texts.append(truncate_at_stop(text, decoding.stop))
        return texts


def _budget_batches(lengths: Sequence[int], budget: int) -> Iterator[range]:
    """Consecutive slices (lengths sorted longest first) whose rows x longest stays in budget."""
    start = 0
    while start < len(lengths):
        end = start + 1
        while end < len(lengths) and lengths[start] * (end - start + 1) <= budget:
            end += 1
        yield range(start, end)
        start = end
