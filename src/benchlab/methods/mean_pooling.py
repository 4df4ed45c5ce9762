"""A classification head on mean-pooled token states, for sentence-transformers encoders.

Sentence encoders (MiniLM, e5, bge...) are trained so that the mean of their token states is the
sentence embedding; their [CLS] pooler is untrained, so the standard head wastes that training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file
from transformers.modeling_outputs import SequenceClassifierOutput

__all__ = ["MeanPoolingClassifier", "uses_mean_pooling"]


def uses_mean_pooling(model_dir: str) -> bool:
    """True when a local sentence-transformers model declares mean pooling."""
    config = Path(model_dir) / "1_Pooling" / "config.json"
    if not config.is_file():
        return False
    return bool(json.loads(config.read_text()).get("pooling_mode_mean_tokens"))


class MeanPoolingClassifier(torch.nn.Module):
    """Encoder + dropout + linear layer over the attention-masked mean of token states."""

    def __init__(self, encoder: Any, num_labels: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = encoder.config
        self.dropout = torch.nn.Dropout(dropout)
        self.classifier = torch.nn.Linear(encoder.config.hidden_size, num_labels)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> SequenceClassifierOutput:
        """Logits (and cross-entropy loss when labels are given)."""
        states = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        logits = self.classifier(self.dropout(pooled))
        loss = None if labels is None else torch.nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)

    def save_pretrained(self, directory: Path) -> None:
        """The encoder in transformers format plus the head's weights beside it."""
        directory = Path(directory)
        self.encoder.save_pretrained(directory)
        head = {f"classifier.{k}": v.contiguous() for k, v in self.classifier.state_dict().items()}
        save_file(head, str(directory / "mean_pooling_head.safetensors"))
        (directory / "mean_pooling_head.json").write_text(
            json.dumps({"pooling": "mean", "num_labels": self.classifier.out_features})
        )
