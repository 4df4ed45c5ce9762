"""A vLLM engine answering log-likelihood and generation requests (optional, needs a GPU).

Log-likelihoods follow lm-evaluation-harness's vLLM model: the context and continuation are
split into tokens exactly as `hf_causal` splits them, the pair is left-truncated to
`max_length` (+1) tokens, the engine is asked for one new token with `prompt_logprobs=1`, and the
continuation's score is the sum of its tokens' prompt log-probabilities; it is greedy when each
of its tokens ranks first. Generation sends token ids (the same truncation as `hf_causal`),
cuts at stop sequences, and draws `num_samples` samples from the request's own seed. The
engine's tensor parallel size comes from the model entry's `backend_options`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.backends.base import Backend
from benchlab.backends.cache import ResponseCache
from benchlab.backends.hf_causal import encode_pair, tokenize_texts, truncate_at_stop
from benchlab.backends.registry import register_backend
from benchlab.errors import ConfigError
from benchlab.requests import (
    GenerationRequest,
    GenerationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)

if TYPE_CHECKING:
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

__all__ = ["VLLMBackend", "engine_options", "vllm_problem"]

#: backend_options a vllm model entry may set (passed to vllm.LLM).
_ENGINE_OPTIONS = frozenset(
    {"tensor_parallel_size", "gpu_memory_utilization", "max_model_len", "enforce_eager", "seed"}
)


def vllm_problem() -> str | None:
    """Why this machine cannot run vLLM (not installed, no CUDA GPU), or None when it can."""
    if importlib.util.find_spec("vllm") is None:
        return "the vllm package is not installed (install it on a GPU machine: pip install vllm)"
    import torch

    if not torch.cuda.is_available():
        return "vLLM needs an NVIDIA GPU and this machine has none"
    return None


def engine_options(spec: ModelSpec) -> dict[str, Any]:
    """Keyword arguments for `vllm.LLM` from the model entry; unknown options are an error."""
    options = dict(spec.backend_options)
    unknown = sorted(set(options) - _ENGINE_OPTIONS)
    if unknown:
        raise ConfigError(
            f"model {spec.name!r}: backend_options {unknown} are not vllm engine options; "
            f"use {sorted(_ENGINE_OPTIONS)}"
        )
    options.setdefault("tensor_parallel_size", 1)
    options.setdefault("max_model_len", spec.max_length + 1)  # max_length context + 1 token
    return options


def _logprob_of(entry: Mapping[int, Any] | None, token: int) -> tuple[float, bool]:
    """(log-probability, ranks first) of `token` in one position's prompt logprobs."""
    if entry is None or token not in entry:
        raise RuntimeError(f"vLLM returned no prompt log-probability for token {token}")
    found = entry[token]
    best = max(entry.values(), key=lambda logprob: logprob.logprob)
    return float(found.logprob), found.logprob >= best.logprob


@register_backend(
    "vllm", description="vLLM engine (GPU): log-likelihood via prompt logprobs and generation"
)
class VLLMBackend(Backend):
    """Wraps a `vllm.LLM`; the tokenizer is the model's own, as in `hf_causal`."""

    serves: ClassVar[Mapping[type, str]] = {
        LoglikelihoodRequest: "loglikelihood",
        GenerationRequest: "generate",
    }

    def __init__(
        self,
        engine: Any,
        tokenizer: Any,
        *,
        max_length: int,
        fingerprint: str,
        lora: Any = None,
        cache: ResponseCache | None = None,
        add_bos_token: bool | None = None,
    ) -> None:
        self.engine = engine
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.lora = lora
        self.cache = cache
        self.add_bos_token = add_bos_token
        self._fingerprint = fingerprint

    @classmethod
    def check_available(cls, spec: ModelSpec) -> str | None:
        """Refuse at validate time a machine without vLLM or a GPU, and unknown options."""
        engine_options(spec)
        return vllm_problem()

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        *,
        adapter: str | None = None,
        loaded: LoadedModel | None = None,
        tag: tuple[str, ...] = (),
    ) -> VLLMBackend:
        """An engine over the model folder or hub id (a LoRA adapter folder served on top)."""
        from benchlab.backends.loading import load_tokenizer, model_location, model_revision
        from benchlab.backends.weights import adapter_digest, fingerprint_of

        if loaded is not None:
            raise ConfigError(
                f"model {spec.name!r}: the vllm backend loads weights from a folder, not from "
                "a model in memory; evaluate trained modes with backend hf_causal"
            )
        problem = vllm_problem()
        if problem is not None:
            raise ConfigError(f"model {spec.name!r}: backend vllm: {problem}")
        from vllm import LLM

        location = model_location(spec)
        options = engine_options(spec)
        engine = LLM(
            model=location,
            revision=spec.revision,
            dtype=spec.dtype,
            trust_remote_code=spec.trust_remote_code,
            enable_lora=adapter is not None,
            **options,
        )
        parts = ["vllm"] + ([f"adapter:{adapter_digest(adapter)}"] if adapter else [])
        lora = None
        if adapter is not None:
            from vllm.lora.request import LoRARequest

            lora = LoRARequest("adapter", 1, str(adapter))
        backend = cls(
            engine,
            load_tokenizer(spec, location),
            max_length=spec.max_length,
            fingerprint=fingerprint_of(spec, model_revision(spec), *parts, *tag),
            lora=lora,
            cache=ResponseCache(spec.cache_path) if spec.cache_path else None,
            add_bos_token=spec.add_bos_token,
        )
        backend.revision = model_revision(spec)
        return backend

    @property
    def fingerprint(self) -> str:
        """Identity of the weights, adapter and engine settings."""
        return self._fingerprint

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        """Summed log-probabilities of each continuation (cached answers are reused)."""
        if self.cache is not None:
            return self.cache.answer(self.fingerprint, requests, self._loglikelihood)
        return self._loglikelihood(requests)

    def _loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        from vllm import SamplingParams

        prompts, starts = [], []
        for request in requests:
            context, continuation = encode_pair(
                self.tokenizer,
                request.context,
                request.continuation,
                add_bos_token=self.add_bos_token,
            )
            if len(continuation) > self.max_length:
                raise ValueError(
                    f"a continuation of {len(continuation)} tokens exceeds max_length "
                    f"{self.max_length}; raise max_length or shorten the continuation"
                )
            # as hf_causal: each continuation token sees at most max_length tokens before it
            whole = (context + continuation)[-(self.max_length + 1) :]
            prompts.append({"prompt_token_ids": whole})
            starts.append(len(whole) - len(continuation))
        params = SamplingParams(temperature=0.0, max_tokens=1, prompt_logprobs=1)
        outputs = self.engine.generate(prompts, params, lora_request=self.lora, use_tqdm=False)
        results = []
        for output, prompt, start in zip(outputs, prompts, starts, strict=True):
            ids = prompt["prompt_token_ids"]
            total, greedy = 0.0, True
            for position in range(max(start, 1), len(ids)):
                logprob, first = _logprob_of(output.prompt_logprobs[position], ids[position])
                total += logprob
                greedy = greedy and first
            results.append(LoglikelihoodResult(total, greedy, len(ids) - start))
        return results

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        """Generated samples per request, stop sequences cut (cached answers are reused)."""
        if self.cache is not None:
            return self.cache.answer(self.fingerprint, requests, self._generate)
        return self._generate(requests)

    def _prompt_ids(self, request: GenerationRequest) -> list[int]:
        prompt = request.prompt
        if request.chat and getattr(self.tokenizer, "chat_template", None):
            prompt = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
            )
        ids = tokenize_texts(self.tokenizer, [prompt], self.add_bos_token)[prompt]
        return ids[-max(self.max_length - request.max_new_tokens, 1) :]

    def _generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        from vllm import SamplingParams

        prompts = [{"prompt_token_ids": self._prompt_ids(r)} for r in requests]
        params = [
            SamplingParams(
                n=r.num_samples,
                temperature=r.temperature,
                top_p=r.top_p if r.temperature > 0 else 1.0,
                max_tokens=r.max_new_tokens,
                stop=list(r.stop) or None,
                seed=r.seed if r.temperature > 0 else None,
                skip_special_tokens=True,
            )
            for r in requests
        ]
        outputs = self.engine.generate(prompts, params, lora_request=self.lora, use_tqdm=False)
        return [
            GenerationResult(tuple(truncate_at_stop(c.text, r.stop) for c in output.outputs))
            for output, r in zip(outputs, requests, strict=True)
        ]
