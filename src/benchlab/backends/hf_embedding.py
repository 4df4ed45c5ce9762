"""A sentence encoder (MiniLM and other sentence-transformers models) answering embedding requests.

The embedding is the attention-masked mean of the last hidden states, L2-normalised, as
sentence-transformers computes it for models trained with mean pooling, so cosine similarity is a
dot product. Used by tasks that score with a model, e.g. caption-to-reference similarity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.backends.base import Backend
from benchlab.backends.cache import ResponseCache
from benchlab.backends.registry import register_backend
from benchlab.requests import EmbeddingRequest, EmbeddingResult

if TYPE_CHECKING:
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

__all__ = ["HFEmbeddingBackend"]


@register_backend(
    "hf_embedding", description="transformers AutoModel sentence encoder: mean-pooled embeddings"
)
class HFEmbeddingBackend(Backend):
    """Wraps an encoder and its tokenizer; texts are embedded in length-sorted batches."""

    serves: ClassVar[Mapping[type, str]] = {EmbeddingRequest: "embed"}

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_length: int,
        batch_size: int,
        fingerprint: str,
        cache: ResponseCache | None = None,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.cache = cache
        self._fingerprint = fingerprint

    @classmethod
    def load(cls, spec: ModelSpec, **options: Any) -> LoadedModel:
        """The bare encoder (no head) and its tokenizer."""
        from benchlab.backends.weights import load_pretrained

        return load_pretrained(spec, "AutoModel", **options)

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        *,
        adapter: str | None = None,
        loaded: LoadedModel | None = None,
        tag: tuple[str, ...] = (),
    ) -> HFEmbeddingBackend:
        """An encoder over the spec's model (a hub id, folder or builtin:minilm)."""
        from benchlab.backends.weights import fingerprint_of

        loaded = loaded or cls.load(spec, adapter=adapter)
        backend = cls(
            loaded.model,
            loaded.tokenizer,
            max_length=spec.max_length,
            batch_size=spec.batch_size,
            fingerprint=fingerprint_of(spec, loaded.revision, "mean-pool", *loaded.parts, *tag),
            cache=ResponseCache(spec.cache_path) if spec.cache_path else None,
        )
        backend.revision = loaded.revision
        return backend

    @property
    def fingerprint(self) -> str:
        """Identity of the encoder weights and pooling."""
        return self._fingerprint

    def parameter_count(self) -> int:
        """Total parameters of the encoder."""
        return sum(p.numel() for p in self.model.parameters())

    def embed(self, requests: Sequence[EmbeddingRequest]) -> list[EmbeddingResult]:
        """Unit-length embeddings, one per request (identical texts encoded once)."""
        if self.cache is not None:
            return self.cache.answer(self.fingerprint, requests, self._embed)
        return self._embed(requests)

    def _embed(self, requests: Sequence[EmbeddingRequest]) -> list[EmbeddingResult]:
        import torch

        texts = list(dict.fromkeys(r.text for r in requests))
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors: dict[str, tuple[float, ...]] = {}
        device = next(self.model.parameters()).device
        for start in range(0, len(order), self.batch_size):
            batch = [texts[i] for i in order[start : start + self.batch_size]]
            encoded = self.tokenizer(
                batch,
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            with torch.inference_mode():
                states = self.model(**encoded).last_hidden_state.float()
            mask = encoded["attention_mask"].unsqueeze(-1).float()
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            normed = torch.nn.functional.normalize(pooled, p=2, dim=1)
            vectors.update(zip(batch, map(tuple, normed.cpu().tolist()), strict=True))
        return [EmbeddingResult(vectors[r.text]) for r in requests]
