"""A causal language model from transformers answering log-likelihood and generation requests.

Log-likelihoods follow lm-evaluation-harness exactly: trailing spaces of the context move to the
continuation, the continuation's tokens are those of `context + continuation` past the context's
tokens, and an empty context is replaced by the start (or end) of text token.

Speed comes from not repeating work: requests sharing a context (the choices of one question)
encode it once and score every continuation from its KV cache; batches are length-sorted and
sized by a token budget; logits are computed only where a continuation token is predicted; and
greedy generation runs in left-padded batches. An optional `ResponseCache` skips the model for
requests it has already answered.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import Any

from benchlab.backends.base import Backend
from benchlab.backends.cache import ResponseCache
from benchlab.backends.requests import (
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)

__all__ = ["HFCausalBackend", "encode_pair", "truncate_at_stop"]


def encode_pair(tokenizer: Any, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """Token ids of context and continuation, split the way lm-evaluation-harness splits them."""
    context_ids, continuation_ids, _ = _split_pair(tokenizer, context, continuation)
    return context_ids, continuation_ids


def _split_pair(
    tokenizer: Any, context: str, continuation: str
) -> tuple[list[int], list[int], bool]:
    """lm-eval's split, plus whether the context's ids are a prefix of the whole's ids."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    if not context:
        prefix = tokenizer.bos_token_id
        prefix = prefix if prefix is not None else tokenizer.eos_token_id
        return [prefix], tokenizer(continuation, add_special_tokens=False)["input_ids"], True
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    context_ids = tokenizer(context, add_special_tokens=False)["input_ids"]
    return context_ids, whole[len(context_ids) :], whole[: len(context_ids)] == context_ids


def truncate_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut generated text at the earliest stop sequence."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=len(text))
    return text[:cut]


def _budget_batches(lengths: Sequence[int], rows: Sequence[int], budget: int) -> Iterator[range]:
    """Consecutive slices whose padded size (rows x longest length) stays within `budget`."""
    start = 0
    while start < len(lengths):
        end, width, count = start, 0, 0
        while end < len(lengths):
            new_width, new_count = max(width, lengths[end]), count + rows[end]
            if end > start and new_width * new_count > budget:
                break
            width, count, end = new_width, new_count, end + 1
        yield range(start, end)
        start = end


class HFCausalBackend(Backend):
    """Wraps a transformers causal LM; batches are length-sorted and sized by padded tokens."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_length: int,
        batch_size: int,
        fingerprint: str,
        cache: ResponseCache | None = None,
        share_prefix: bool = True,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.cache = cache
        self.share_prefix = share_prefix
        self._fingerprint = fingerprint
        self._keeps_logits = _accepts_logits_to_keep(model)

    @property
    def fingerprint(self) -> str:
        """Identity of the weights (and adapter) in use."""
        return self._fingerprint

    def parameter_count(self) -> int:
        """Total parameters of the model."""
        return sum(p.numel() for p in self.model.parameters())

    @property
    def _device(self) -> Any:
        return next(self.model.parameters()).device

    def _token_budget(self, longest: int) -> int:
        # `batch_size` rows of the longest sequence: shorter batches take more rows.
        return self.batch_size * max(longest, 1)

    # ---------------------------------------------------------------- log-likelihood

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """Summed log-probabilities of each continuation (cached answers are reused)."""
        if self.cache is not None:
            return self.cache.answer(self.fingerprint, requests, self._loglikelihood)
        return self._loglikelihood(requests)

    def _loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        encoded = [_split_pair(self.tokenizer, r.context, r.continuation) for r in requests]
        unique: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        pairs: list[tuple[list[int], list[int]]] = []
        owner = []
        groups: dict[tuple[int, ...], list[int]] = {}
        plain: list[int] = []
        for context_ids, continuation_ids, is_prefix in encoded:
            key = (tuple(context_ids), tuple(continuation_ids))
            if key not in unique:
                unique[key] = len(pairs)
                pairs.append((context_ids, continuation_ids))
                fits = len(context_ids) + len(continuation_ids) <= self.max_length + 1
                if self.share_prefix and is_prefix and fits:
                    groups.setdefault(key[0], []).append(unique[key])
                else:
                    plain.append(unique[key])
            owner.append(unique[key])
        answers: dict[int, LoglikelihoodResult] = {}
        answers.update(self._score_plain(pairs, plain))
        answers.update(self._score_shared(pairs, list(groups.values())))
        return [answers[i] for i in owner]

    def _score_plain(
        self, pairs: Sequence[tuple[list[int], list[int]]], indices: Sequence[int]
    ) -> dict[int, LoglikelihoodResult]:
        """One left-padded forward pass per batch over context + continuation (lm-eval's path)."""

        rows = []
        for i in indices:
            context_ids, continuation_ids = pairs[i]
            rows.append((i, (context_ids + continuation_ids)[-(self.max_length + 1) :][:-1]))
        rows.sort(key=lambda row: -len(row[1]))
        results = {}
        lengths = [len(tokens) for _, tokens in rows]
        budget = self._token_budget(lengths[0] if lengths else 1)
        for batch in _budget_batches(lengths, [1] * len(rows), budget):
            chunk = [rows[j] for j in batch]
            ids, mask, positions = self._left_pad([tokens for _, tokens in chunk])
            keep = max(len(pairs[i][1]) for i, _ in chunk)
            logprobs = self._forward(ids, mask, positions, keep=keep)
            for row, (i, _) in enumerate(chunk):
                continuation = pairs[i][1]
                window = logprobs[row, keep - len(continuation) :]
                results[i] = _result(window, continuation)
        return results

    def _score_shared(
        self, pairs: Sequence[tuple[list[int], list[int]]], groups: Sequence[list[int]]
    ) -> dict[int, LoglikelihoodResult]:
        """Encode each shared context once, then every continuation from its KV cache."""
        import torch

        order = sorted(
            groups,
            key=lambda g: -(len(pairs[g[0]][0]) + max(len(pairs[i][1]) for i in g)),
        )
        spans = [len(pairs[g[0]][0]) + max(len(pairs[i][1]) for i in g) for g in order]
        sizes = [len(g) for g in order]
        budget = self._token_budget(spans[0] if spans else 1)
        results = {}
        for batch in _budget_batches(spans, sizes, budget):
            chunk = [order[j] for j in batch]
            contexts = [pairs[g[0]][0] for g in chunk]
            ids, mask, positions = self._left_pad(contexts)
            with torch.inference_mode():
                output = self.model(
                    input_ids=ids,
                    attention_mask=mask,
                    position_ids=positions,
                    use_cache=True,
                    **({"logits_to_keep": 1} if self._keeps_logits else {}),
                )
            first = torch.log_softmax(output.logits[:, -1].float(), dim=-1).cpu()
            tails = [(g_row, i) for g_row, g in enumerate(chunk) for i in g if len(pairs[i][1]) > 1]
            rest = self._score_tails(pairs, tails, output.past_key_values, mask, contexts)
            for g_row, g in enumerate(chunk):
                for i in g:
                    continuation = pairs[i][1]
                    head = first[g_row].unsqueeze(0)
                    window = head if len(continuation) == 1 else torch.cat([head, rest[i]])
                    results[i] = _result(window, continuation)
        return results

    def _score_tails(
        self,
        pairs: Sequence[tuple[list[int], list[int]]],
        tails: Sequence[tuple[int, int]],
        cache: Any,
        context_mask: Any,
        contexts: Sequence[list[int]],
    ) -> dict[int, Any]:
        """Log-probs of continuation tokens after the first, reading the contexts' KV cache."""
        import torch

        if not tails:
            return {}
        device = self._device
        inputs = [pairs[i][1][:-1] for _, i in tails]
        width = max(len(x) for x in inputs)
        pad_id = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(tails), width), pad_id, dtype=torch.long)
        tail_mask = torch.zeros((len(tails), width), dtype=torch.long)
        for row, tokens in enumerate(inputs):
            ids[row, : len(tokens)] = torch.tensor(tokens)
            tail_mask[row, : len(tokens)] = 1
        index = torch.tensor([g_row for g_row, _ in tails], device=device)
        cache.reorder_cache(index)
        mask = torch.cat([context_mask.index_select(0, index), tail_mask.to(device)], dim=1)
        starts = torch.tensor([len(contexts[g_row]) for g_row, _ in tails])
        positions = (starts.unsqueeze(1) + torch.arange(width).unsqueeze(0)).to(device)
        with torch.inference_mode():
            logits = self.model(
                input_ids=ids.to(device),
                attention_mask=mask,
                position_ids=positions,
                past_key_values=cache,
                use_cache=True,
            ).logits
        logprobs = torch.log_softmax(logits.float(), dim=-1).cpu()
        return {i: logprobs[row, : len(inputs[row])] for row, (_, i) in enumerate(tails)}

    def _left_pad(self, sequences: Sequence[Sequence[int]]) -> tuple[Any, Any, Any]:
        """Left-padded ids, attention mask and position ids (real tokens count from 0)."""
        import torch

        width = max(len(s) for s in sequences)
        pad_id = self.tokenizer.pad_token_id or 0
        ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(sequences), width), dtype=torch.long)
        for row, tokens in enumerate(sequences):
            ids[row, width - len(tokens) :] = torch.tensor(tokens, dtype=torch.long)
            mask[row, width - len(tokens) :] = 1
        positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
        device = self._device
        return ids.to(device), mask.to(device), positions.to(device)

    def _forward(self, ids: Any, mask: Any, positions: Any, *, keep: int) -> Any:
        """Log-softmax of the last `keep` positions' logits, on the CPU in float32."""
        import torch

        extra = {"logits_to_keep": keep} if self._keeps_logits else {}
        with torch.inference_mode():
            logits = self.model(
                input_ids=ids, attention_mask=mask, position_ids=positions, **extra
            ).logits
        return torch.log_softmax(logits[:, -keep:].float(), dim=-1).cpu()

    # ---------------------------------------------------------------- generation

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generated samples per request, stop sequences cut (cached answers are reused)."""
        if self.cache is not None:
            return self.cache.answer(self.fingerprint, requests, self._generate)
        return self._generate(requests)

    def _generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        results: dict[int, GenerationResult] = {}
        greedy: dict[tuple[int, tuple[str, ...]], list[int]] = {}
        for i, request in enumerate(requests):
            if request.temperature > 0 or request.num_samples > 1:
                results[i] = self._generate_one(request)
            else:
                greedy.setdefault((request.max_new_tokens, request.stop), []).append(i)
        for (max_new_tokens, stop), indices in greedy.items():
            prompts = [self._prompt_text(requests[i]) for i in indices]
            texts = self._greedy_batched(prompts, max_new_tokens, stop)
            results.update({i: GenerationResult((t,)) for i, t in zip(indices, texts, strict=True)})
        return [results[i] for i in range(len(requests))]

    def _prompt_text(self, request: GenerationRequest) -> str:
        if request.chat and getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": request.prompt}],
                tokenize=False,
                add_generation_prompt=True,
            )
        return request.prompt

    def _prompt_ids(self, prompt: str, max_new_tokens: int) -> list[int]:
        ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        return ids[-max(self.max_length - max_new_tokens, 1) :]

    def _greedy_batched(
        self, prompts: Sequence[str], max_new_tokens: int, stop: tuple[str, ...]
    ) -> list[str]:
        """Greedy decoding in left-padded, length-sorted batches, cut at stop sequences."""
        import torch

        encoded = [self._prompt_ids(p, max_new_tokens) for p in prompts]
        order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
        lengths = [len(encoded[i]) + max_new_tokens for i in order]
        budget = self._token_budget(lengths[0] if lengths else 1)
        texts: dict[int, str] = {}
        for batch in _budget_batches(lengths, [1] * len(order), budget):
            chunk = [order[j] for j in batch]
            ids, mask, _ = self._left_pad([encoded[i] for i in chunk])
            with torch.inference_mode():
                output = self.model.generate(
                    input_ids=ids,
                    attention_mask=mask,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    temperature=None,
                    top_p=None,
                    top_k=None,
                    pad_token_id=self.tokenizer.pad_token_id,
                    stop_strings=list(stop) or None,
                    tokenizer=self.tokenizer if stop else None,
                )
            for row, i in enumerate(chunk):
                new = output[row, ids.shape[1] :]
                text = self.tokenizer.decode(new, skip_special_tokens=True)
                texts[i] = truncate_at_stop(text, stop)
        return [texts[i] for i in range(len(prompts))]

    def _generate_one(self, request: GenerationRequest) -> GenerationResult:
        """Sampled generation, one prompt at a time with a per-sample seed."""
        import torch

        tokenizer = self.tokenizer
        ids = self._prompt_ids(self._prompt_text(request), request.max_new_tokens)
        input_ids = torch.tensor([ids], device=self._device)
        sampling = request.temperature > 0
        texts = []
        for sample in range(request.num_samples):
            if sampling:
                torch.manual_seed(request.seed + sample)
            with torch.inference_mode():
                output = self.model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    max_new_tokens=request.max_new_tokens,
                    do_sample=sampling,
                    temperature=request.temperature if sampling else None,
                    top_p=request.top_p if sampling else None,
                    pad_token_id=tokenizer.pad_token_id,
                    stop_strings=list(request.stop) or None,
                    tokenizer=tokenizer if request.stop else None,
                )
            text = tokenizer.decode(output[0, input_ids.shape[1] :], skip_special_tokens=True)
            texts.append(truncate_at_stop(text, request.stop))
        return GenerationResult(tuple(texts))


def _result(window: Any, continuation: Sequence[int]) -> LoglikelihoodResult:
    """Sum of the continuation's log-probs in `window` (one row per token) and greediness."""
    import torch

    target = torch.tensor(continuation, dtype=torch.long)
    token_logprobs = window.gather(1, target.unsqueeze(1)).squeeze(1)
    greedy = bool((window.argmax(dim=-1) == target).all())
    return LoglikelihoodResult(float(token_logprobs.sum()), greedy, len(continuation))


def _accepts_logits_to_keep(model: Any) -> bool:
    """Whether the model's forward can skip the vocabulary projection for early positions."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters
