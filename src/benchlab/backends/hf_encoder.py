"""An encoder with a sequence-classification head answering classification requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from benchlab.backends.base import Backend
from benchlab.backends.registry import register_backend
from benchlab.requests import ClassificationRequest, ClassificationResult

if TYPE_CHECKING:
    from benchlab.backends.weights import LoadedModel
    from benchlab.config.schema import ModelSpec

__all__ = ["HFEncoderClassifier"]


@register_backend(
    "hf_encoder",
    description="transformers AutoModelForSequenceClassification: classification head",
)
class HFEncoderClassifier(Backend):
    """Wraps a transformers `AutoModelForSequenceClassification` and its tokenizer."""

    serves: ClassVar[Mapping[type, str]] = {ClassificationRequest: "classify"}

    def __init__(
        self, model: Any, tokenizer: Any, *, max_length: int, batch_size: int, fingerprint: str
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self._fingerprint = fingerprint

    @classmethod
    def load(
        cls,
        spec: ModelSpec,
        *,
        labels: list[str] | None = None,
        auto_class: str = "AutoModelForSequenceClassification",
        **options: Any,
    ) -> LoadedModel:
        """The encoder, with a fresh classification head over `labels` when they are given."""
        from benchlab.backends.weights import load_pretrained

        if labels is not None:
            options.update(
                num_labels=len(labels),
                id2label=dict(enumerate(labels)),
                label2id={n: i for i, n in enumerate(labels)},
            )
        return load_pretrained(spec, auto_class, **options)

    @classmethod
    def from_spec(
        cls,
        spec: ModelSpec,
        *,
        adapter: str | None = None,
        loaded: LoadedModel | None = None,
        tag: tuple[str, ...] = (),
    ) -> HFEncoderClassifier:
        """A classifier over the spec's model, or over weights a method fine-tuned."""
        from benchlab.backends.weights import fingerprint_of

        loaded = loaded or cls.load(spec, adapter=adapter)
        backend = cls(
            loaded.model,
            loaded.tokenizer,
            max_length=spec.max_length,
            batch_size=spec.batch_size,
            fingerprint=fingerprint_of(spec, loaded.revision, *loaded.parts, *tag),
        )
        backend.revision = loaded.revision
        return backend

    @property
    def fingerprint(self) -> str:
        """Identity of the fine-tuned weights."""
        return self._fingerprint

    def parameter_count(self) -> int:
        """Total parameters of the classifier."""
        return sum(p.numel() for p in self.model.parameters())

    def classify(self, requests: Sequence[ClassificationRequest]) -> list[ClassificationResult]:
        """Softmax probabilities per request, batched in input order."""
        import torch

        results: list[ClassificationResult] = []
        device = next(self.model.parameters()).device
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start : start + self.batch_size]
            pairs = [r.text_pair for r in batch]
            encoded = self.tokenizer(
                [r.text for r in batch],
                pairs if any(p is not None for p in pairs) else None,
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            with torch.inference_mode():
                logits = self.model(**encoded).logits.float()
            probabilities = torch.softmax(logits, dim=-1).cpu().tolist()
            results.extend(ClassificationResult(tuple(p)) for p in probabilities)
        return results
