"""Parity with pycocoevalcap 1.2 on the real coco-caption fakecap set in ../shared/data.

The folder holds 1,000 generated captions with their COCO references, both also as
pycocoevalcap's Java tokenizer wrote them, and the scores pycocoevalcap 1.2 computed. The test
skips when the data is absent (it is never copied into the repository).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchlab.scoring.caption import load_candidates, load_references, ptb_tokenize, score_captions

DATA = Path(
    os.environ.get("BENCHLAB_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data")
)
FOLDER = DATA / "vlm" / "coco_caption_fakecap_parity"
METRICS = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "ROUGE_L", "CIDEr")

pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason=f"{FOLDER} not present")


def _json(name: str) -> dict:
    return json.loads((FOLDER / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expected() -> dict[str, float]:
    return _json("derived_expected_scores.json")["recomputed"]


def test_scores_from_raw_captions_equal_pycocoevalcap(expected: dict[str, float]) -> None:
    candidates = load_candidates(FOLDER / "captions_val2014_fakecap_results.json")
    references = load_references(FOLDER / "captions_val2014_subset1000.json")
    scores = score_captions(candidates, references, meteor=False)
    for name in METRICS:
        assert abs(scores.corpus[name] - expected[name]) <= 1e-6, name
    stats = scores.bleu_stats.sum(axis=0)
    assert stats[:2].tolist() == [
        expected["bleu_stats"]["testlen"],
        expected["bleu_stats"]["reflen"],
    ]
    assert stats[6:].tolist() == expected["bleu_stats"]["correct"]


def test_scores_from_java_tokenized_captions_equal_pycocoevalcap(
    expected: dict[str, float],
) -> None:
    references = _json("references_after_ptb_tokenization.json")
    candidates = {k: v[0] for k, v in _json("results_after_ptb_tokenization.json").items()}
    scores = score_captions(candidates, references, tokenized=True, meteor=False)
    for name in METRICS:
        assert abs(scores.corpus[name] - expected[name]) <= 1e-6, name


def test_tokenizer_agrees_with_java_on_at_least_99_5_percent() -> None:
    tokenized = _json("references_after_ptb_tokenization.json")
    raw: dict[str, list[str]] = {}
    for row in _json("captions_val2014_subset1000.json")["annotations"]:
        raw.setdefault(str(row["image_id"]), []).append(row["caption"])
    pairs = [
        (r, t) for image, caps in raw.items() for r, t in zip(caps, tokenized[image], strict=True)
    ]
    results = _json("results_after_ptb_tokenization.json")
    pairs += [
        (row["caption"], results[str(row["image_id"])][0])
        for row in _json("captions_val2014_fakecap_results.json")
    ]
    ours = ptb_tokenize([r for r, _ in pairs])
    agree = sum(o == t for o, (_, t) in zip(ours, pairs, strict=True))
    assert len(pairs) == 6005
    assert agree / len(pairs) >= 0.995
