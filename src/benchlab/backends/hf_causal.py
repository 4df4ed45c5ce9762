"""A causal language model from transformers answering log-likelihood and generation requests.

Log-likelihoods follow lm-evaluation-harness exactly: trailing spaces of the context move to the
continuation, the continuation's tokens are those of `context + continuation` past the context's
tokens, and an empty context is replaced by the start (or end) of text token.

Speed comes from not repeating work. Identical requests are scored once. The continuations of
one context (the choices of a question) share a single row: the context once, then every
continuation's tokens behind a mask that keeps them apart (`prefix_packing`), so one forward pass
scores them all. Rows are length-sorted into batches sized by a token budget, and only positions
that predict a continuation token go through the vocabulary projection. Greedy generation runs in
left-padded batches. An optional `ResponseCache` skips the model for requests it has already
answered.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.backends.base import Backend
from benchlab.backends.cache import ResponseCache
from benchlab.backends.causal_generation import Decoding, RowGenerator, truncate_at_stop
from benchlab.backends.prefix_cache import (
    PrefixGroup,
    expanded_cache,
    prefix_cache_supported,
    prefix_states,
    shared_prefix_groups,
)
from benchlab.backends.prefix_packing import PackedBatch, Row, batch_rows, pack_rows
from benchlab.backends.registry import register_backend
from benchlab.requests import (
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)

if TYPE_CHECKING:
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

_log = logging.getLogger(__name__)

__all__ = [
    "HFCausalBackend",
    "context_length",
    "encode_pair",
    "tokenize_texts",
    "truncate_at_stop",
]


def encode_pair(
    tokenizer: Any, context: str, continuation: str, *, add_bos_token: bool | None = None
) -> tuple[list[int], list[int]]:
    """Token ids of context and continuation, split the way lm-evaluation-harness splits them."""
    return _encode_pairs(tokenizer, [(context, continuation)], add_bos_token)[0]


def tokenize_texts(
    tokenizer: Any, texts: Sequence[str], add_bos_token: bool | None = None
) -> dict[str, list[int]]:
    """Token ids of each distinct text, with special tokens added as lm-evaluation-harness does.

    `add_bos_token=None` keeps the tokenizer's own behaviour (Llama, Gemma and Mistral prepend
    their start token, Qwen and GPT-2 add nothing) except for a text that already starts with
    the start token's text; True or False forces it either way.
    """
    bos = tokenizer.bos_token
    groups: dict[bool, list[str]] = {True: [], False: []}
    for text in dict.fromkeys(texts):
        special = add_bos_token
        if special is None:
            special = not (bos and text.startswith(bos))
        groups[special].append(text)
    encoded: dict[str, list[int]] = {}
    for special, group in groups.items():
        if group:
            ids = tokenizer(group, add_special_tokens=special)["input_ids"]
            encoded.update(zip(group, ids, strict=True))
    return encoded


def _encode_pairs(
    tokenizer: Any, pairs: Sequence[tuple[str, str]], add_bos_token: bool | None = None
) -> list[tuple[list[int], list[int]]]:
    """lm-eval's split of many pairs, each distinct text tokenized once in batched calls.

    Trailing spaces of the context move to the continuation; the continuation's tokens are those
    of `context + continuation` past the context's tokens. An empty context becomes the start
    (or end) of text token, unless the continuation's own tokens already begin with it.
    """
    moved = []
    for context, continuation in pairs:
        n_spaces = len(context) - len(context.rstrip())
        if n_spaces:
            context, continuation = context[:-n_spaces], context[-n_spaces:] + continuation
        moved.append((context, continuation))
    encoded = tokenize_texts(
        tokenizer, [t for c, k in moved if c for t in (c, c + k)], add_bos_token
    )
    bare = tokenize_texts(tokenizer, [k for c, k in moved if not c], add_bos_token=False)
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    result = []
    for context, continuation in moved:
        if not context:
            ids = bare[continuation]
            result.append(([start], ids) if not ids or ids[0] != start else (ids[:1], ids[1:]))
            continue
        context_ids = encoded[context]
        result.append((context_ids, encoded[context + continuation][len(context_ids) :]))
    return result


def context_length(model: Any, tokenizer: Any, *, default: int) -> int:
    """The model's context length (its position table, else the tokenizer's limit)."""
    config = model.config
    text = config.get_text_config(decoder=True) if hasattr(config, "get_text_config") else config
    for value in (
        getattr(text, "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    ):
        if isinstance(value, int) and 8 <= value < 10_000_000:
            return value
    return default


#: Examples whose requests a model plans together unless its spec says otherwise: enough to
#: sort and prefix-group most tasks whole (ARC-Challenge: 3.4x lm-eval's speed task-wide,
#: 2.9x in chunks of 64), few enough that evaluation progress still moves between windows.
DEFAULT_PLAN_WINDOW = 512


def _budget_batches(
    lengths: Sequence[int], rows: Sequence[int], budget: int, *, waste: float = 0.03
) -> Iterator[range]:
    """Consecutive slices (longest first) whose padded size (rows x longest) stays in `budget`.

    A slice also stops where the next input would make padding more than `waste` of it: on a
    CPU every padded position costs as much as a real one, and a batch of many short inputs
    behind one long one is mostly padding.
    """
    start = 0
    while start < len(lengths):
        end, width, count, real = start, 0, 0, 0
        while end < len(lengths):
            new_width, new_count = max(width, lengths[end]), count + rows[end]
            new_real = real + lengths[end] * rows[end]
            padded = new_width * new_count
            if end > start and (padded > budget or padded - new_real > waste * padded):
                break
            width, count, real, end = new_width, new_count, new_real, end + 1
        yield range(start, end)
        start = end


@register_backend(
    "hf_causal", description="transformers AutoModelForCausalLM: log-likelihood and generation"
)
class HFCausalBackend(Backend):
    """Wraps a transformers causal LM; batches are length-sorted and sized by padded tokens."""

    serves: ClassVar[Mapping[type, str]] = {
        LoglikelihoodRequest: "loglikelihood",
        GenerationRequest: "generate",
    }

    #: Examples whose requests `evaluate` may hand over at once, so batches (and prefix groups)
    #: are planned across them; 0 keeps evaluate's chunks. `from_spec` sets the model's window
    #: (DEFAULT_PLAN_WINDOW unless its spec says otherwise).
    plan_window: int = 0

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
        add_bos_token: bool | None = None,
        plan_window: int = 0,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.cache = cache
        self.share_prefix = share_prefix
        self.add_bos_token = add_bos_token
        self.plan_window = plan_window
        self._fingerprint = fingerprint
        self._keeps_mask: bool | None = None
        #: Requests whose prompt was cut from the left to fit `max_length` (never silent).
        self.truncated_requests: set[Any] = set()

    @classmethod
    def load(cls, spec: ModelSpec, **options: Any) -> LoadedModel:
        """The causal LM's weights (quantized, with an adapter, or from a method's folder)."""
        from benchlab.backends.weights import load_pretrained

        return load_pretrained(spec, "AutoModelForCausalLM", **options)

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        *,
        adapter: str | None = None,
        loaded: LoadedModel | None = None,
        tag: tuple[str, ...] = (),
    ) -> HFCausalBackend:
        """A backend over the spec's model, or over weights a method has in memory."""
        from benchlab.backends.weights import attach_adapter, fingerprint_of

        if loaded is None:
            loaded = cls.load(spec, adapter=adapter)
        elif adapter is not None:
            loaded = attach_adapter(loaded, adapter)
        max_length = spec.max_length
        if "max_length" not in spec.model_fields_set:
            max_length = context_length(loaded.model, loaded.tokenizer, default=max_length)
            if max_length != spec.max_length:  # answers cut at 512 are not these answers
                tag = (*tag, f"max_length={max_length}")
        window = {None: DEFAULT_PLAN_WINDOW, "task": sys.maxsize}.get(
            spec.plan_window, spec.plan_window
        )
        if spec.plan_window is not None:  # other batches move float32 sums in their last bits
            tag = (*tag, f"plan_window={spec.plan_window}")
        backend = cls(
            loaded.model,
            loaded.tokenizer,
            max_length=max_length,
            batch_size=spec.batch_size,
            fingerprint=fingerprint_of(spec, loaded.revision, *loaded.parts, *tag),
            cache=ResponseCache(spec.cache_path) if spec.cache_path else None,
            add_bos_token=spec.add_bos_token,
            plan_window=window,
        )
        backend.revision = loaded.revision
        return backend

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
        import torch

        encoded = _encode_pairs(
            self.tokenizer, [(r.context, r.continuation) for r in requests], self.add_bos_token
        )
        unique: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        owner = [unique.setdefault((tuple(c), tuple(k)), len(unique)) for c, k in encoded]
        self._note_truncated(
            r
            for r, (c, k) in zip(requests, encoded, strict=True)
            if len(c) + len(k) > self.max_length + 1
        )
        pairs = list(unique)
        rows = pack_rows(
            pairs,
            max_length=self.max_length,
            max_packed_width=self._max_packed_width,
            share_trunks=self.share_prefix,
            pack_branches=self.share_prefix and self._masks_allowed,
        )
        device = self._device
        totals = torch.zeros(len(pairs), dtype=torch.float32, device=device)
        misses = torch.zeros(len(pairs), dtype=torch.long, device=device)
        grouped: set[int] = set()
        for group in self._prefix_groups([row.trunk for row in rows]):
            prefix = rows[group.members[0]].trunk[: group.length]
            states = prefix_states(self.model, prefix, device)
            tails = [Row(rows[m].trunk[group.length :], rows[m].branches) for m in group.members]
            self._score_rows(tails, totals, misses, (states, group.length))
            grouped.update(group.members)
        self._score_rows([r for i, r in enumerate(rows) if i not in grouped], totals, misses)
        answers = [
            LoglikelihoodResult(total, missed == 0, len(continuation))
            for total, missed, (_, continuation) in zip(
                totals.tolist(), misses.tolist(), pairs, strict=True
            )
        ]
        return [answers[i] for i in owner]

    def _prefix_groups(self, sequences: Sequence[Sequence[int]]) -> list[PrefixGroup]:
        """Inputs sharing a long token prefix, when caching it is allowed for this model."""
        if not (self.share_prefix and prefix_cache_supported(self.model)):
            return []
        # A subject's one-line header before every zero-shot question (MMLU's) already pays.
        return shared_prefix_groups(sequences, min_tokens=8, min_saved=128)

    def _score_rows(
        self, rows: list[Row], totals: Any, misses: Any, prefix: tuple[Any, int] | None = None
    ) -> None:
        """Add each row's continuation log-probabilities (and misses) into the totals.

        Rows that need a branch mask are batched apart from the rest, so every other row keeps
        the model's own mask (a sliding window, for one) whatever it is batched with. With a
        `prefix` (its states and length), rows hold what follows it; the prefix counts once in
        the token budget, as it is computed once.
        """
        import torch

        rows = sorted(rows, key=lambda row: -row.width)
        for group in (
            [row for row in rows if not row.needs_mask],
            [row for row in rows if row.needs_mask],
        ):
            widths = [row.width for row in group]
            budget = self._token_budget(widths[0] if widths else 1)
            for batch in _budget_batches(widths, [1] * len(group), budget):
                packed = batch_rows(
                    [group[j] for j in batch],
                    pad_id=self.tokenizer.pad_token_id or 0,
                    mask_dtype=self.model.dtype,
                    device=self._device,
                )
                logits = self._kept_logits(packed, prefix).float()
                log_norm = torch.logsumexp(logits, dim=-1)[packed.slots]
                picked = logits[packed.slots, packed.tokens] - log_norm
                wrong = logits.argmax(dim=-1)[packed.slots] != packed.tokens
                totals.index_add_(0, packed.requests, picked)
                misses.index_add_(0, packed.requests, wrong.long())

    @property
    def _masks_allowed(self) -> bool:
        """Whether several continuations may share a row behind a custom 4D branch mask.

        Only in float32: there packed scores equal one row per choice to float noise. In half
        precision a custom mask moves attention off the fused kernel, which on an H200 made
        scoring slower and shifted summed log-likelihoods by up to 0.04 (bench/
        accelerator_loglikelihood.py). Flash-attention kernels take no custom mask, and models
        without position ids (ALiBi biases such as BLOOM's) cannot restart positions per branch.
        """
        import torch

        base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        takes_positions = "position_ids" in inspect.signature(base.forward).parameters
        implementation = getattr(self.model.config, "_attn_implementation", "eager")
        return (
            self.model.dtype == torch.float32
            and takes_positions
            and implementation in {"eager", "sdpa"}
        )

    @property
    def _max_packed_width(self) -> int:
        # A custom mask replaces a sliding window, so packed rows must fit inside the window.
        window = getattr(self.model.config, "sliding_window", None)
        return min(self.max_length, window) if isinstance(window, int) else self.max_length

    def _kept_logits(self, packed: PackedBatch, prefix: tuple[Any, int] | None = None) -> Any:
        """Logits at the kept positions, flattened row by row to (kept, vocabulary).

        With a `prefix` (states, length), the rows continue it: its cached states are shared
        by every row, positions start at its length and a branch mask lets rows see all of it.
        """
        import torch

        if self._keeps_mask is None:
            self._keeps_mask = _keeps_masked_logits(self.model)
        extra: dict[str, Any] = {"logits_to_keep": packed.keep} if self._keeps_mask else {}
        mask, positions = packed.attention_mask, packed.position_ids
        if prefix is not None:
            states, length = prefix
            rows = packed.input_ids.shape[0]
            extra.update(past_key_values=expanded_cache(states, rows), use_cache=True)
            if mask is not None:
                seen = torch.zeros((*mask.shape[:3], length), dtype=mask.dtype, device=mask.device)
                mask = torch.cat([seen, mask], dim=-1)
                positions = positions + length
        else:
            extra["use_cache"] = False
        with torch.inference_mode():
            logits = self.model(
                input_ids=packed.input_ids,
                attention_mask=mask,
                position_ids=positions,
                **extra,
            ).logits
        return logits if logits.dim() == 2 else logits[packed.keep]

    # ---------------------------------------------------------------- generation

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generated samples per request, stop sequences cut (cached answers are reused)."""
        if self.cache is not None:
            return self.cache.answer(self.fingerprint, requests, self._generate)
        return self._generate(requests)

    def _generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Requests decoded alike share batches; a sampled request is `num_samples` rows."""
        generator = RowGenerator(
            self.model, self.tokenizer, budget=self._token_budget, share_prefix=self.share_prefix
        )
        by_decoding: dict[Decoding, list[int]] = {}
        for i, request in enumerate(requests):
            sampling = request.temperature > 0
            decoding = Decoding(
                request.max_new_tokens,
                request.stop,
                request.temperature if sampling else 0.0,
                request.top_p if sampling else 1.0,
            )
            by_decoding.setdefault(decoding, []).append(i)
        texts: dict[int, list[str]] = {i: [] for i in range(len(requests))}
        for decoding, indices in by_decoding.items():
            rows, seeds, owners = [], [], []
            for i in indices:
                ids = self._prompt_ids(requests[i], decoding.max_new_tokens)
                draws = requests[i].num_samples if decoding.sampling else 1
                for sample in range(draws):
                    rows.append(ids)
                    seeds.append(requests[i].seed + sample)
                    owners.append(i)
            for i, text in zip(owners, generator.run(rows, seeds, decoding), strict=True):
                texts[i].append(text)
        return [
            GenerationResult(tuple(texts[i] * (r.num_samples // len(texts[i]))))  # greedy: repeated
            for i, r in enumerate(requests)
        ]

    def _prompt_text(self, request: GenerationRequest) -> str:
        if request.chat and getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": request.prompt}],
                tokenize=False,
                add_generation_prompt=True,
            )
        return request.prompt

    def _prompt_ids(self, request: GenerationRequest, max_new_tokens: int) -> list[int]:
        """The prompt's tokens, cut from the left (and noted) to leave room for the answer."""
        prompt = self._prompt_text(request)
        ids = tokenize_texts(self.tokenizer, [prompt], self.add_bos_token)[prompt]
        room = max(self.max_length - max_new_tokens, 1)
        if len(ids) > room:
            self._note_truncated([request])
        return ids[-room:]

    def _note_truncated(self, requests: Iterable[Any]) -> None:
        """Remember (and warn about) requests whose prompt did not fit `max_length`."""
        new = [r for r in requests if r not in self.truncated_requests]
        if new:
            self.truncated_requests.update(new)
            _log.warning(
                "%d prompt(s) longer than max_length %d were cut from the left (%d so far); "
                "raise the model's max_length to keep them whole",
                len(new),
                self.max_length,
                len(self.truncated_requests),
            )


def _keeps_masked_logits(model: Any) -> bool:
    """Whether `logits_to_keep` takes a per-row boolean mask, tried on a two-token input.

    Recent transformers project only the masked positions onto the vocabulary; older or custom
    models either lack the argument or slice with it differently, and get full logits instead.
    """
    import torch

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if "logits_to_keep" not in inspect.signature(base.forward).parameters:
        return False
    device = next(model.parameters()).device
    keep = torch.tensor([[False, True]], device=device)
    try:
        with torch.inference_mode():
            logits = model(
                input_ids=torch.zeros((1, 2), dtype=torch.long, device=device),
                logits_to_keep=keep,
                use_cache=False,
            ).logits
    except (IndexError, RuntimeError, TypeError, ValueError):
        return False
    return logits.dim() == 2 and logits.shape[0] == 1
