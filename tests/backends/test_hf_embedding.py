"""The hf_embedding backend gives sentence-transformers' MiniLM embeddings (mean pooled, unit)."""

from __future__ import annotations

import numpy as np
import pytest

from benchlab.backends.registry import build_backend
from benchlab.config.schema import ModelSpec
from benchlab.quickstart.resources import minilm_available, resolve_builtin_model
from benchlab.requests import EmbeddingRequest

pytestmark = pytest.mark.skipif(not minilm_available(), reason="needs the quick extra (MiniLM)")

TEXTS = [
    "a cat sitting on a mat",
    "a kitten resting on a rug",
    "the stock market fell sharply today",
    "a cat sitting on a mat",
]


def test_embeddings_equal_sentence_transformers_and_rank_meaning() -> None:
    spec = ModelSpec(name="minilm", path="builtin:minilm", kind="encoder", backend="hf_embedding")
    backend = build_backend(spec)
    vectors = np.array([r.vector for r in backend.answer([EmbeddingRequest(t) for t in TEXTS])])
    sentence_transformers = pytest.importorskip("sentence_transformers")
    reference = sentence_transformers.SentenceTransformer(
        str(resolve_builtin_model("builtin:minilm")), device="cpu"
    ).encode(TEXTS, normalize_embeddings=True)
    np.testing.assert_allclose(vectors, reference, atol=1e-5)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    assert np.array_equal(vectors[0], vectors[3])
