"""HFCausalBackend against a plain transformers forward pass and one-at-a-time generation."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from benchlab.backends.hf_causal import HFCausalBackend, encode_pair
from benchlab.backends.prefix_packing import pack_rows
from benchlab.requests import GenerationRequest, LoglikelihoodRequest

CONTEXTS = [
    "Question: Which gas do plants take in?\nAnswer:",
    "Review: a slow, sad and beautiful film\nSentiment:",
    "Trailing space ",
    "",
]
CONTINUATIONS = [" carbon dioxide", " oxygen", " B", "positive and warm, truly", "x"]


def _reference(model: Any, tokenizer: Any, request: LoglikelihoodRequest) -> tuple[float, bool]:
    """Unbatched, unpadded forward over context + continuation ids, as lm-eval computes it."""
    context_ids, continuation_ids = encode_pair(tokenizer, request.context, request.continuation)
    ids = torch.tensor([context_ids + continuation_ids])[:, :-1]
    with torch.no_grad():
        logprobs = torch.log_softmax(model(ids).logits.float(), dim=-1)[0]
    window = logprobs[len(context_ids) - 1 :]
    target = torch.tensor(continuation_ids)
    total = window.gather(1, target.unsqueeze(1)).sum().item()
    return total, bool((window.argmax(-1) == target).all())


@pytest.mark.parametrize("share_prefix", [True, False])
def test_loglikelihood_matches_plain_forward(tiny_causal, share_prefix: bool) -> None:
    model, tokenizer = tiny_causal
    requests = [LoglikelihoodRequest(c, k) for c in CONTEXTS for k in CONTINUATIONS]
    backend = HFCausalBackend(
        model, tokenizer, max_length=256, batch_size=3, fingerprint="t", share_prefix=share_prefix
    )
    results = backend.loglikelihood(requests)
    for request, result in zip(requests, results, strict=True):
        expected, greedy = _reference(model, tokenizer, request)
        assert result.logprob == pytest.approx(expected, abs=1e-4)
        assert result.is_greedy == greedy
        assert result.num_tokens == len(
            encode_pair(tokenizer, request.context, request.continuation)[1]
        )


def test_empty_context_uses_the_start_token(tiny_causal) -> None:
    _, tokenizer = tiny_causal
    context_ids, _ = encode_pair(tokenizer, "", "hello")
    assert context_ids == [tokenizer.bos_token_id]


def test_long_inputs_are_truncated_from_the_left(tiny_causal) -> None:
    model, tokenizer = tiny_causal
    request = LoglikelihoodRequest("word " * 60 + "end", " of the story")
    short = HFCausalBackend(model, tokenizer, max_length=16, batch_size=2, fingerprint="t")
    [result] = short.loglikelihood([request])
    context_ids, continuation_ids = encode_pair(tokenizer, request.context, request.continuation)
    ids = torch.tensor([(context_ids + continuation_ids)[-17:][:-1]])
    with torch.no_grad():
        logprobs = torch.log_softmax(model(ids).logits.float(), dim=-1)[0]
    target = torch.tensor(continuation_ids)
    expected = logprobs[-len(continuation_ids) :].gather(1, target.unsqueeze(1)).sum().item()
    assert result.logprob == pytest.approx(expected, abs=1e-4)


def test_batched_greedy_generation_equals_one_at_a_time(tiny_causal) -> None:
    model, tokenizer = tiny_causal
    prompts = ["Review: great", "Question: what is two plus two?\nAnswer:", "Hi"]
    requests = [GenerationRequest(p, max_new_tokens=8, stop=("\n",)) for p in prompts]
    batched = HFCausalBackend(model, tokenizer, max_length=128, batch_size=4, fingerprint="t")
    single = HFCausalBackend(model, tokenizer, max_length=128, batch_size=1, fingerprint="t")
    together = batched.generate(requests)
    alone = [single.generate([r])[0] for r in requests]
    assert together == alone
    for prompt, result in zip(prompts, alone, strict=True):
        ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            output = model.generate(
                ids, max_new_tokens=8, do_sample=False, pad_token_id=tokenizer.pad_token_id
            )
        text = tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True)
        assert result.texts[0] == text.split("\n")[0]


@pytest.fixture(scope="module")
def bos_tokenizer(tiny_causal_dir) -> Any:
    """The tiny tokenizer made to prepend its start token, as Llama's and Gemma's do."""
    from tokenizers import processors
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_causal_dir)
    bos = (tokenizer.bos_token, tokenizer.bos_token_id)
    tokenizer.backend_tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos[0]} $A", pair=f"{bos[0]} $A $B", special_tokens=[bos]
    )
    return tokenizer


def test_a_tokenizer_that_adds_a_start_token_keeps_it_as_lm_eval_does(
    tiny_causal, bos_tokenizer
) -> None:
    model, plain = tiny_causal
    bos = bos_tokenizer.bos_token_id
    body = plain("Question: why?\nAnswer:", add_special_tokens=False)["input_ids"]
    context_ids, continuation_ids = encode_pair(bos_tokenizer, "Question: why?\nAnswer:", " yes")
    assert context_ids == [bos, *body]
    # forced off, and a context that already starts with the start token's text
    assert encode_pair(bos_tokenizer, "Question: why?\nAnswer:", " yes", add_bos_token=False)[
        0
    ] == list(body)
    assert encode_pair(bos_tokenizer, f"{bos_tokenizer.bos_token}Hi", " yes")[0].count(bos) == 1
    # an empty context is the start token once, never twice
    assert encode_pair(bos_tokenizer, "", "hello")[0] == [bos]
    backend = HFCausalBackend(model, bos_tokenizer, max_length=64, batch_size=2, fingerprint="t")
    [result] = backend.loglikelihood([LoglikelihoodRequest("Question: why?\nAnswer:", " yes")])
    ids = torch.tensor([[bos, *body, *continuation_ids]])[:, :-1]
    with torch.no_grad():
        logprobs = torch.log_softmax(model(ids).logits.float(), dim=-1)[0]
    target = torch.tensor(continuation_ids)
    expected = logprobs[len(body) :].gather(1, target.unsqueeze(1)).sum().item()
    assert result.logprob == pytest.approx(expected, abs=1e-4)
    assert backend._prompt_ids(GenerationRequest("Hi there"), 4)[0] == bos


def test_sliding_window_rows_batched_with_packed_rows_keep_their_window(tiny_causal) -> None:
    from transformers import MistralConfig, MistralForCausalLM

    _, tokenizer = tiny_causal
    torch.manual_seed(0)
    config = MistralConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        sliding_window=8,
        max_position_embeddings=256,
    )
    model = MistralForCausalLM(config).eval()
    requests = [
        # packed: two multi-token continuations of one short context (needs a branch mask)
        LoglikelihoodRequest("Hi", " the end"),
        LoglikelihoodRequest("Hi", " a film"),
        # wider than the window, one continuation: the model's own sliding mask must apply
        LoglikelihoodRequest("word " * 20 + "end", " of the long story"),
    ]
    backend = HFCausalBackend(model, tokenizer, max_length=128, batch_size=8, fingerprint="t")
    pairs = [encode_pair(tokenizer, r.context, r.continuation) for r in requests]
    rows = pack_rows(pairs, max_length=128, max_packed_width=backend._max_packed_width)
    assert [row.needs_mask for row in rows] == [True, False]  # the case under test
    assert rows[1].width > config.sliding_window
    for request, result in zip(requests, backend.loglikelihood(requests), strict=True):
        expected, _ = _reference(model, tokenizer, request)
        assert result.logprob == pytest.approx(expected, abs=1e-4)
