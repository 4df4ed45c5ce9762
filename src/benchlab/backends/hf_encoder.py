"""An encoder with a sequence-classification head answering classification requests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchlab.backends.base import Backend
from benchlab.backends.requests import ClassificationRequest, ClassificationResult

__all__ = ["HFEncoderClassifier"]


class HFEncoderClassifier(Backend):
    """Wraps a transformers `AutoModelForSequenceClassification` and its tokenizer."""

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
