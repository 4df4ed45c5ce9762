"""A causal language model from transformers answering log-likelihood and generation requests.

Log-likelihoods follow lm-evaluation-harness exactly: trailing spaces of the context move to the
continuation, the continuation's tokens are those of `context + continuation` past the context's
tokens, and an empty context is replaced by the end-of-text token.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.backends.base import Backend
from benchlab.backends.requests import (
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)

__all__ = ["HFCausalBackend", "encode_pair"]


def encode_pair(tokenizer: Any, context: str, continuation: str) -> tuple[list[int], list[int]]:
    """Token ids of context and continuation, split the way lm-evaluation-harness splits them."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    if not context:
        prefix = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else None
        prefix = prefix if prefix is not None else tokenizer.eos_token_id
        return [prefix], tokenizer(continuation, add_special_tokens=False)["input_ids"]
    whole = tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
    context_ids = tokenizer(context, add_special_tokens=False)["input_ids"]
    return context_ids, whole[len(context_ids) :]


def truncate_at_stop(text: str, stops: Sequence[str]) -> str:
    """Cut generated text at the earliest stop sequence."""
    cut = min((i for i in (text.find(s) for s in stops if s) if i >= 0), default=len(text))
    return text[:cut]


class HFCausalBackend(Backend):
    """Wraps a transformers causal LM; batches are length-sorted to limit padding."""

    def __init__(
        self, model: Any, tokenizer: Any, *, max_length: int, batch_size: int, fingerprint: str
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self._fingerprint = fingerprint

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

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """Summed log-probabilities of each continuation, longest inputs batched first."""
        import torch

        encoded = [encode_pair(self.tokenizer, r.context, r.continuation) for r in requests]
        order = sorted(range(len(encoded)), key=lambda i: -sum(map(len, encoded[i])))
        results: list[LoglikelihoodResult | None] = [None] * len(encoded)
        pad_id = self.tokenizer.pad_token_id or 0
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            inputs, spans = [], []
            for i in batch:
                context_ids, continuation_ids = encoded[i]
                whole = (context_ids + continuation_ids)[-(self.max_length + 1) :]
                inputs.append(whole[:-1])
                spans.append(continuation_ids)
            width = max(len(x) for x in inputs)
            ids = torch.full((len(inputs), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(inputs), width), dtype=torch.long)
            for row, tokens in enumerate(inputs):
                ids[row, : len(tokens)] = torch.tensor(tokens)
                mask[row, : len(tokens)] = 1
            with torch.inference_mode():
                logits = self.model(
                    input_ids=ids.to(self._device), attention_mask=mask.to(self._device)
                ).logits
            logprobs = torch.log_softmax(logits.float(), dim=-1).cpu()
            for row, i in enumerate(batch):
                continuation = spans[row]
                end = len(inputs[row])
                window = logprobs[row, end - len(continuation) : end]
                target = torch.tensor(continuation)
                token_logprobs = window.gather(1, target.unsqueeze(1)).squeeze(1)
                greedy = bool((window.argmax(dim=-1) == target).all())
                results[i] = LoglikelihoodResult(
                    float(token_logprobs.sum()), greedy, len(continuation)
                )
        return [r for r in results if r is not None]

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generate each prompt's samples; stop sequences are cut from the output."""
        return [self._generate_one(request) for request in requests]

    def _generate_one(self, request: GenerationRequest) -> GenerationResult:
        import torch

        tokenizer = self.tokenizer
        prompt = request.prompt
        if request.chat and getattr(tokenizer, "chat_template", None):
            prompt = tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
        encoded = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        input_ids = encoded["input_ids"][:, -self.max_length :].to(self._device)
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
