"""Mean pooling is chosen for sentence-transformers encoders and computes a masked mean."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from benchlab.methods.mean_pooling import MeanPoolingClassifier, uses_mean_pooling
from benchlab.quickstart.resources import minilm_available, resolve_builtin_model


def test_auto_pooling_detects_sentence_transformers_models(tmp_path: Path) -> None:
    assert not uses_mean_pooling(str(tmp_path))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(
        json.dumps({"pooling_mode_mean_tokens": True})
    )
    assert uses_mean_pooling(str(tmp_path))
    if minilm_available():
        assert uses_mean_pooling(str(resolve_builtin_model("builtin:minilm")))


def test_padding_does_not_change_the_pooled_logits(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoModel

    torch.manual_seed(0)
    model = MeanPoolingClassifier(AutoModel.from_pretrained(tiny_encoder_dir), 3).eval()
    ids = torch.tensor([[2, 10, 11, 12, 3]])
    padded = torch.tensor([[2, 10, 11, 12, 3, 0, 0]])
    with torch.no_grad():
        alone = model(ids, torch.ones_like(ids)).logits
        with_pad = model(padded, torch.tensor([[1, 1, 1, 1, 1, 0, 0]])).logits
        states = model.encoder(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
        by_hand = model.classifier(states.mean(dim=1))
    torch.testing.assert_close(alone, with_pad, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(alone, by_hand, atol=1e-5, rtol=1e-5)
    model.save_pretrained(tmp_path / "saved")
    assert (tmp_path / "saved" / "mean_pooling_head.safetensors").exists()
    assert (tmp_path / "saved" / "config.json").exists()
