"""The model revision that keys cached answers: it must change whenever the weights do."""

from __future__ import annotations

import os
from pathlib import Path

import huggingface_hub.constants
import pytest

from benchlab.backends.loading import model_revision
from benchlab.config.schema import ModelSpec

MiB = 2**20


def _spec(path: Path | str, revision: str | None = None) -> ModelSpec:
    return ModelSpec(name="m", path=str(path), kind="causal", revision=revision)


def _save_tiny_llama(directory: Path, seed: int) -> None:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=64,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
    )
    LlamaForCausalLM(config).save_pretrained(directory)


def _listing(directory: Path) -> list[tuple[str, int]]:
    return [(f.name, f.stat().st_size) for f in sorted(directory.iterdir())]


def test_resaving_different_weights_of_the_same_shape_changes_the_revision(
    tmp_path: Path,
) -> None:
    _save_tiny_llama(tmp_path, seed=0)
    before, listing = model_revision(_spec(tmp_path)), _listing(tmp_path)
    assert model_revision(_spec(tmp_path)) == before  # untouched: same revision
    _save_tiny_llama(tmp_path, seed=1)
    assert _listing(tmp_path) == listing  # same names, sizes and config: only weights differ
    assert model_revision(_spec(tmp_path)) != before


def test_large_weights_rewritten_in_place_change_the_revision(tmp_path: Path) -> None:
    # Too large to hash whole; the new weights differ only in the middle, as when a merged
    # adapter touched a few layers, so only the rewrite's modification time tells them apart.
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(bytes(10 * MiB) + b"\x01" * MiB + bytes(10 * MiB))
    (tmp_path / "config.json").write_text('{"hidden_size": 16}')
    before = model_revision(_spec(tmp_path))
    weights.read_bytes()
    assert model_revision(_spec(tmp_path)) == before  # reading changes nothing

    saved_at = weights.stat().st_mtime_ns
    with weights.open("r+b") as handle:
        handle.seek(10 * MiB)
        handle.write(b"\x02" * MiB)
    # a real save of large weights outlasts the filesystem's timestamp granularity
    os.utime(weights, ns=(saved_at + 10**9, saved_at + 10**9))
    assert model_revision(_spec(tmp_path)) != before


def test_copying_small_files_keeps_the_revision(tmp_path: Path) -> None:
    # small files are identified by content, so a fresh copy (new mtimes) reuses the cache
    first, second = tmp_path / "a", tmp_path / "b"
    _save_tiny_llama(first, seed=0)
    second.mkdir()
    for file in first.iterdir():
        (second / file.name).write_bytes(file.read_bytes())
        os.utime(second / file.name, ns=(1, 1))
    assert model_revision(_spec(first)) == model_revision(_spec(second))


def test_hub_models_use_the_cached_snapshot_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    repo = tmp_path / "models--org--tiny"
    old, new = "a" * 40, "b" * 40
    for commit in (old, new):
        (repo / "snapshots" / commit).mkdir(parents=True)
        (repo / "snapshots" / commit / "config.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(old)
    assert model_revision(_spec("org/tiny")) == old
    (repo / "refs" / "main").write_text(new)  # the branch moved and the new snapshot loaded
    assert model_revision(_spec("org/tiny")) == new
    assert model_revision(_spec("org/tiny", revision=old)) == old
    assert model_revision(_spec("org/uncached", revision="v1")) == "v1"
    assert model_revision(_spec(tmp_path / "missing")) == "unknown"
