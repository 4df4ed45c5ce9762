"""A vision-language model from transformers (`AutoModelForImageTextToText` + `AutoProcessor`).

Each request's text becomes the user message of the model's own chat template, with one image
placeholder per attached medium ahead of the text, so images land where the model was trained to
see them. Greedy generation runs in left-padded batches and stops at stop sequences; the
log-likelihood of a continuation (an MMBench letter, say) is scored in right-padded batches
given its image. Images are decoded a batch at a time from the requests' `Media` (path, bytes or
base64), and the cache key carries their content hash, never the pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.backends.base import Backend
from benchlab.backends.cache import ResponseCache
from benchlab.backends.causal_generation import truncate_at_stop
from benchlab.backends.images import open_image
from benchlab.backends.registry import register_backend
from benchlab.backends.seeding import seeded
from benchlab.requests import (
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
    Media,
)

if TYPE_CHECKING:
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

__all__ = ["HFVisionLanguageBackend", "vlm_prompt"]


def vlm_prompt(processor: Any, text: str, n_images: int) -> str:
    """The model's chat-template prompt for one user turn: `n_images` images, then `text`.

    Without a chat template the processor's image token is put before the text, one per image.
    """
    if getattr(processor, "chat_template", None):
        content = [{"type": "image"}] * n_images + [{"type": "text", "text": text}]
        return processor.apply_chat_template(
            [{"role": "user", "content": content}], add_generation_prompt=True, tokenize=False
        )
    token = getattr(processor, "image_token", None) or "<image>"
    return f"{token}\n" * n_images + text


@register_backend(
    "hf_vlm",
    description="transformers AutoModelForImageTextToText: generation and log-likelihood "
    "with images",
)
class HFVisionLanguageBackend(Backend):
    """Wraps an image-text-to-text model and its processor; requests may carry images."""

    serves: ClassVar[Mapping[type, str]] = {
        LoglikelihoodRequest: "loglikelihood",
        GenerationRequest: "generate",
    }

    def __init__(
        self,
        model: Any,
        processor: Any,
        *,
        batch_size: int,
        fingerprint: str,
        cache: ResponseCache | None = None,
    ) -> None:
        self.model = model.eval()
        self.processor = processor
        self.batch_size = batch_size
        self.cache = cache
        self._fingerprint = fingerprint

    @classmethod
    def load(cls, spec: ModelSpec, **options: Any) -> LoadedModel:
        """The model's weights with its processor in `LoadedModel.tokenizer` (for training too)."""
        import dataclasses

        from transformers import AutoProcessor

        from benchlab.backends.loading import model_location
        from benchlab.backends.weights import load_pretrained
        from benchlab.errors import BackendUnavailableError

        loaded = load_pretrained(spec, "AutoModelForImageTextToText", **options)
        try:
            processor = AutoProcessor.from_pretrained(
                model_location(spec),
                revision=spec.revision,
                trust_remote_code=spec.trust_remote_code,
            )
        except OSError as exc:
            raise BackendUnavailableError(
                f"model {spec.name!r}: cannot load its processor: {exc}"
            ) from exc
        tokenizer = processor.tokenizer
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
        return dataclasses.replace(loaded, tokenizer=processor)

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        *,
        adapter: str | None = None,
        loaded: LoadedModel | None = None,
        tag: tuple[str, ...] = (),
    ) -> HFVisionLanguageBackend:
        """A backend over the spec's model, or over weights (and processor) a method holds."""
        from benchlab.backends.weights import attach_adapter, fingerprint_of

        if loaded is None:
            loaded = cls.load(spec, adapter=adapter)
        elif adapter is not None:
            loaded = attach_adapter(loaded, adapter)
        backend = cls(
            loaded.model,
            loaded.tokenizer,
            batch_size=spec.batch_size,
            fingerprint=fingerprint_of(spec, loaded.revision, "hf_vlm", *loaded.parts, *tag),
            cache=ResponseCache(spec.cache_path) if spec.cache_path else None,
        )
        backend.revision = loaded.revision
        return backend

    @property
    def fingerprint(self) -> str:
        """Identity of the weights (and adapter) in use."""
        return self._fingerprint

    @property
    def tokenizer(self) -> Any:
        """The processor's tokenizer."""
        return self.processor.tokenizer

    def parameter_count(self) -> int:
        """Total parameters, vision tower included."""
        return sum(p.numel() for p in self.model.parameters())

    @property
    def _device(self) -> Any:
        return next(self.model.parameters()).device

    def _inputs(self, texts: list[str], media: Sequence[Sequence[Media]], side: str) -> Any:
        """Processor inputs for a batch, padded on `side`, images decoded once per content."""
        decoded: dict[str, Any] = {}
        images = [decoded.setdefault(m.content_hash, open_image(m)) for ms in media for m in ms]
        tokenizer = self.tokenizer
        saved, tokenizer.padding_side = tokenizer.padding_side, side
        try:
            inputs = self.processor(
                text=texts, images=images or None, padding=True, return_tensors="pt"
            )
        finally:
            tokenizer.padding_side = saved
        return inputs.to(self._device, dtype=self.model.dtype)

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
                results[i] = self._sampled(request)
            else:
                greedy.setdefault((request.max_new_tokens, request.stop), []).append(i)
        for (max_new_tokens, stop), indices in greedy.items():
            for start in range(0, len(indices), self.batch_size):
                chunk = [requests[i] for i in indices[start : start + self.batch_size]]
                texts = self._decode_new(chunk, max_new_tokens, stop, sampling=None)
                for i, text in zip(indices[start : start + self.batch_size], texts, strict=True):
                    results[i] = GenerationResult((text,))
        return [results[i] for i in range(len(requests))]

    def _decode_new(
        self,
        batch: Sequence[GenerationRequest],
        max_new_tokens: int,
        stop: tuple[str, ...],
        sampling: GenerationRequest | None,
    ) -> list[str]:
        """One `generate` call over a left-padded batch; the new tokens decoded and cut."""
        import torch

        texts = [vlm_prompt(self.processor, r.prompt, len(r.media)) for r in batch]
        inputs = self._inputs(texts, [r.media for r in batch], "left")
        options: dict[str, Any] = {"do_sample": False, "temperature": None, "top_p": None}
        if sampling is not None:
            options = {"do_sample": True, "temperature": sampling.temperature}
            options["top_p"] = sampling.top_p
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                max_new_tokens=max_new_tokens,
                top_k=None,
                pad_token_id=self.tokenizer.pad_token_id,
                stop_strings=list(stop) or None,
                tokenizer=self.tokenizer if stop else None,
                **options,
            )
        new = output[:, inputs["input_ids"].shape[1] :]
        decoded = self.tokenizer.batch_decode(new, skip_special_tokens=True)
        return [truncate_at_stop(text, stop) for text in decoded]

    def _sampled(self, request: GenerationRequest) -> GenerationResult:
        """Samples of one request, sample i seeded with `seed + i` in a forked RNG."""
        sampling = request if request.temperature > 0 else None
        texts = []
        for sample in range(request.num_samples):
            with seeded(request.seed + sample, sampling is not None):
                texts.extend(
                    self._decode_new([request], request.max_new_tokens, request.stop, sampling)
                )
        return GenerationResult(tuple(texts))

    # ---------------------------------------------------------------- log-likelihood

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """Summed log-probabilities of each continuation given its text and images."""
        if self.cache is not None:
            return self.cache.answer(self.fingerprint, requests, self._loglikelihood)
        return self._loglikelihood(requests)

    def _split(self, request: LoglikelihoodRequest) -> tuple[str, int]:
        """The full text and its continuation's token count, split as lm-evaluation-harness does.

        Trailing spaces of the context move to the continuation; the continuation's tokens are
        those of the whole text past the context's. Image placeholders expand inside the prompt
        only, so counting on the unexpanded text gives the same number of trailing tokens.
        """
        prompt = vlm_prompt(self.processor, request.context, len(request.media))
        continuation = request.continuation
        n_spaces = len(prompt) - len(prompt.rstrip())
        if n_spaces:
            prompt, continuation = prompt[:-n_spaces], prompt[-n_spaces:] + continuation
        ids = self.tokenizer([prompt, prompt + continuation])["input_ids"]
        return prompt + continuation, len(ids[1]) - len(ids[0])

    def _loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        import torch

        results: list[LoglikelihoodResult] = []
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start : start + self.batch_size]
            split = [self._split(r) for r in batch]
            inputs = self._inputs([t for t, _ in split], [r.media for r in batch], "right")
            with torch.inference_mode():
                logits = self.model(**inputs, use_cache=False).logits.float()
            lengths = inputs["attention_mask"].sum(dim=1).tolist()
            for row, ((_, count), length) in enumerate(zip(split, lengths, strict=True)):
                targets = inputs["input_ids"][row, length - count : length]
                scores = torch.log_softmax(logits[row, length - count - 1 : length - 1], dim=-1)
                picked = scores.gather(1, targets.unsqueeze(1)).squeeze(1)
                greedy = bool((scores.argmax(dim=-1) == targets).all())
                results.append(LoglikelihoodResult(float(picked.sum()), greedy, count))
        return results
