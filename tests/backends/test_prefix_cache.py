"""Shared-prefix reuse is exact: cached scores and generations equal the uncached computation."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from benchlab.backends import prefix_cache
from benchlab.backends.hf_causal import HFCausalBackend
from benchlab.backends.prefix_cache import PrefixGroup, common_prefix_length, shared_prefix_groups
from benchlab.requests import GenerationRequest, LoglikelihoodRequest

SHOTS = "".join(
    f"Question: What is {a} plus {b}?\nA. {a + b}\nB. {a * b}\nAnswer: A\n\n"
    for a, b in ((2, 3), (4, 5), (6, 7), (8, 9), (1, 4))
)
QUESTIONS = [
    "Question: Which gas do plants take in?\nA. carbon dioxide\nB. oxygen\nAnswer:",
    "Question: What colour is the sky?\nA. green\nB. blue\nAnswer:",
    "Question: How many legs has a spider?\nA. eight\nB. six\nAnswer:",
]


def test_groups_follow_the_longest_shared_prefix() -> None:
    block = list(range(100, 160))
    rows = [[*block, 1, 2], [7] * 70, [*block, 3], [*block, 1, 5, 6], [7] * 69 + [8]]
    assert common_prefix_length(rows[0], rows[3]) == 61
    groups = shared_prefix_groups(rows, min_tokens=48)
    # The block (60 tokens) is shared by 0, 2, 3; rows 1 and 4 share 69 tokens.
    assert groups == [PrefixGroup(69, (1, 4)), PrefixGroup(60, (0, 2, 3))]
    # A prefix stops before a member's last token, and short prefixes are not cached.
    assert shared_prefix_groups([block, [*block, 1]], min_tokens=48) == [PrefixGroup(59, (0, 1))]
    assert shared_prefix_groups(rows, min_tokens=80) == []


def test_a_neighbour_that_halves_the_prefix_starts_a_new_group() -> None:
    first, second = list(range(200)), list(range(60)) + list(range(500, 640))
    rows = [[*first, 1], [*first, 2], [*second, 1], [*second, 2]]
    assert shared_prefix_groups(rows, min_tokens=48) == [
        PrefixGroup(200, (0, 1)),
        PrefixGroup(200, (2, 3)),
    ]


def _count_prefixes(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[list[int]]:
    """Record every prefix whose states are computed, by patching the name `module` uses."""
    seen: list[list[int]] = []
    original = prefix_cache.prefix_states

    def spy(model: Any, prefix: Any, device: Any) -> Any:
        seen.append(list(prefix))
        return original(model, prefix, device)

    monkeypatch.setattr(module, "prefix_states", spy)
    return seen


def _backends(model: Any, tokenizer: Any, **options: Any) -> tuple[Any, Any]:
    make = HFCausalBackend
    cached = make(model, tokenizer, fingerprint="c", share_prefix=True, **options)
    plain = make(model, tokenizer, fingerprint="p", share_prefix=False, **options)
    return cached, plain


@pytest.mark.parametrize("batch_size", [1, 4])
def test_cached_loglikelihoods_equal_the_uncached_path(
    tiny_causal, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    from benchlab.backends import hf_causal

    model, tokenizer = tiny_causal
    seen = _count_prefixes(monkeypatch, hf_causal)
    requests = [
        LoglikelihoodRequest(SHOTS + q, k)
        for q in QUESTIONS
        for k in (" A", " B", " carbon dioxide", " blue sky")
    ]
    cached, plain = _backends(model, tokenizer, max_length=1024, batch_size=batch_size)
    ours, reference = cached.loglikelihood(requests), plain.loglikelihood(requests)
    assert len(seen) == 1 and len(seen[0]) > 100  # the shot block ran once
    for a, b in zip(ours, reference, strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=1e-4)
        assert (a.is_greedy, a.num_tokens) == (b.is_greedy, b.num_tokens)
    for i in range(0, len(requests), 4):
        best = max(range(4), key=lambda j: ours[i + j].logprob)
        assert best == max(range(4), key=lambda j: reference[i + j].logprob)


def _merging_tokenizer_and_model() -> tuple[Any, Any]:
    """A character BPE with merges across the shot/question and context/continuation seams."""
    from tokenizers import Tokenizer, models
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    alphabet = sorted(set(SHOTS + "".join(QUESTIONS) + "Wwhy sky ABx:"))
    merges = [("\n", "\n"), ("\n\n", "Q"), (":", " "), (": ", "A"), ("A", "n")]
    vocab = {"<pad>": 0, "<s>": 1, **{c: i + 2 for i, c in enumerate(alphabet)}}
    for left, right in merges:
        vocab.setdefault(left + right, len(vocab))
    bpe = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<pad>", bos_token="<s>")
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=2048,
        pad_token_id=0,
        bos_token_id=1,
    )
    return LlamaForCausalLM(config).eval(), tokenizer


def test_prefix_reuse_holds_the_split_rule_when_tokens_merge_across_the_boundary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where appending text changes the prefix's last token, that item is not served from it."""
    from benchlab.backends import hf_causal

    model, tokenizer = _merging_tokenizer_and_model()
    block = tokenizer(SHOTS, add_special_tokens=False)["input_ids"]
    # "\n\n" + "Q" merges: a question starting with "Q" changes the block's last token.
    merged = tokenizer(SHOTS + "Question:", add_special_tokens=False)["input_ids"]
    assert merged[: len(block)] != block
    why = [SHOTS + "Why is the sky blue?\nAnswer:", SHOTS + "Why is the sky high?\nAnswer:"]
    contexts = [SHOTS + q for q in QUESTIONS] + why
    continuations = [" A", " B", "Answer: A", " Ans"]
    requests = [LoglikelihoodRequest(c, k) for c in contexts for k in continuations]
    seen = _count_prefixes(monkeypatch, hf_causal)
    cached, plain = _backends(model, tokenizer, max_length=2048, batch_size=3)
    ours, reference = cached.loglikelihood(requests), plain.loglikelihood(requests)
    fed_by_context = {}
    for request, a, b in zip(requests, ours, reference, strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=1e-4)
        assert a.is_greedy == b.is_greedy
        # lm-eval's split, written out: continuation = tokens(context + continuation)[len(ctx):]
        context_ids = tokenizer(request.context, add_special_tokens=False)["input_ids"]
        whole = tokenizer(request.context + request.continuation, add_special_tokens=False)
        assert a.num_tokens == len(whole["input_ids"]) - len(context_ids)
        fed_by_context[request.context] = context_ids
    # Every item was served from a cached prefix of its own tokens; where the question
    # merged with the block's last token, that prefix stops before the merge.
    for context in contexts:
        fed = fed_by_context[context]
        assert any(fed[: len(p)] == p and len(p) >= len(block) - 1 for p in seen)
    for context in contexts[: len(QUESTIONS)]:
        assert fed_by_context[context][: len(block)] != block


def test_cached_greedy_generation_is_identical_to_uncached(tiny_causal, monkeypatch) -> None:
    from benchlab.backends import causal_generation

    model, tokenizer = tiny_causal
    seen = _count_prefixes(monkeypatch, causal_generation)
    prompts = [SHOTS + q for q in QUESTIONS] + [SHOTS + "Question: Why?\nAnswer:"]
    requests = [GenerationRequest(p, max_new_tokens=12, stop=("\n\n",)) for p in prompts]
    cached, plain = _backends(model, tokenizer, max_length=1024, batch_size=4)
    ours = cached.generate(requests)
    assert len(seen) == 1
    assert ours == plain.generate(requests)
    for request, result in zip(requests, ours, strict=True):  # one at a time, no padding
        assert plain.generate([request]) == [result]


def test_sampled_generation_is_batched_and_identical_across_batch_sizes(tiny_causal) -> None:
    model, tokenizer = tiny_causal
    prompts = [SHOTS + q for q in QUESTIONS]
    requests = [
        GenerationRequest(p, max_new_tokens=8, temperature=0.9, top_p=0.95, num_samples=3, seed=s)
        for s, p in enumerate(prompts)
    ]
    answers = []
    for batch_size, share in ((1, False), (2, True), (16, True), (16, False)):
        backend = HFCausalBackend(
            model,
            tokenizer,
            max_length=1024,
            batch_size=batch_size,
            fingerprint="s",
            share_prefix=share,
        )
        answers.append(backend.generate(requests))
        assert backend.generate(requests[1:2]) == answers[-1][1:2]  # alone or with others
    assert all(a == answers[0] for a in answers)
    assert all(len(set(r.texts)) > 1 for r in answers[0])  # samples differ within an item


def test_truncated_prompts_are_noted_never_silent(tiny_causal, caplog) -> None:
    model, tokenizer = tiny_causal
    backend = HFCausalBackend(model, tokenizer, max_length=32, batch_size=2, fingerprint="t")
    short, long = LoglikelihoodRequest("Review: ok", " good"), LoglikelihoodRequest(SHOTS, " A")
    prompt = GenerationRequest(SHOTS, max_new_tokens=4)
    with caplog.at_level("WARNING"):
        backend.loglikelihood([short, long])
        backend.generate([prompt, GenerationRequest("Hi", max_new_tokens=4)])
    assert backend.truncated_requests == {long, prompt}
    assert "cut from the left" in caplog.text


def test_max_length_defaults_to_the_models_context_length(tiny_causal) -> None:
    from benchlab.backends.hf_causal import context_length

    model, tokenizer = tiny_causal
    assert context_length(model, tokenizer, default=512) == model.config.max_position_embeddings
