"""Score a captioning corpus like pycocoevalcap's COCOEvalCap, with per-image statistics kept.

`score_captions` tokenizes candidates and references with the Python PTB tokenizer, then
computes Bleu_1..4 (summed per-image statistics), ROUGE_L and CIDEr (means of per-image scores,
CIDEr's document frequencies taken over the whole evaluated corpus) and METEOR when its jar
runs. The per-image statistics are what `benchlab.scoring.caption.intervals` resamples.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchlab.scoring.caption.bleu import BLEU_NAMES, bleu_from_stats, bleu_stats
from benchlab.scoring.caption.cider import cider_d_scores
from benchlab.scoring.caption.meteor import find_meteor_jar, meteor_scores
from benchlab.scoring.caption.ngrams import CorpusNgrams
from benchlab.scoring.caption.rouge import rouge_l
from benchlab.scoring.caption.tokenizer import ptb_tokenize

__all__ = ["METRIC_NAMES", "CaptionScores", "score_captions"]

METRIC_NAMES = (*BLEU_NAMES, "METEOR", "ROUGE_L", "CIDEr")
Advance = Callable[[int], None]


@dataclass(frozen=True, eq=False)
class CaptionScores:
    """Corpus scores under pycocoevalcap's names, plus what resampling images needs.

    `bleu_stats` has one row per image: [testlen, reflen, guess_1..4, correct_1..4].
    `per_image` holds per-image ROUGE_L and CIDEr (and METEOR when present), whose mean
    (ROUGE_L, CIDEr) is the corpus score.
    """

    image_ids: list[Hashable]
    corpus: dict[str, float]
    bleu_stats: np.ndarray
    per_image: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of images scored."""
        return len(self.image_ids)


def _noop(_: int = 1) -> None:
    """Progress callback that reports nothing."""


def score_captions(
    candidates: Mapping[Hashable, str],
    references: Mapping[Hashable, Sequence[str]],
    *,
    tokenized: bool = False,
    meteor: bool | str | Path = True,
    advance: Advance = _noop,
) -> CaptionScores:
    """Score one caption per image against that image's references, over the candidates' images.

    `meteor` is True (use the jar if Java and the jar are found), False (skip), or a jar path.
    `advance` is called with a step count as work progresses: 3 steps per image, plus one per
    image while METEOR runs. Every candidate image needs at least one reference (ValueError).
    """
    image_ids = list(candidates)
    if not image_ids:
        raise ValueError("no candidate captions to score")
    missing = [i for i in image_ids if not references.get(i)]
    if missing:
        raise ValueError(f"images without reference captions: {missing[:5]}")
    raw_candidates = [candidates[i] for i in image_ids]
    raw_references = [list(references[i]) for i in image_ids]
    if tokenized:
        hyps, refs = raw_candidates, raw_references
    else:
        hyps = ptb_tokenize(raw_candidates)
        refs = [ptb_tokenize(r) for r in raw_references]
    advance(len(image_ids))
    ngrams = CorpusNgrams.build(hyps, refs)
    stats = bleu_stats(ngrams)
    rouge = np.array([rouge_l(h, r) for h, r in zip(hyps, refs, strict=True)])
    advance(len(image_ids))
    cider = cider_d_scores(ngrams)
    advance(len(image_ids))
    corpus = dict(zip(BLEU_NAMES, bleu_from_stats(stats.sum(axis=0).tolist()), strict=True))
    per_image = {"ROUGE_L": rouge, "CIDEr": cider}
    jar = None if meteor is False else find_meteor_jar(None if meteor is True else meteor)
    if jar is not None:
        corpus["METEOR"], meteor_per_image = meteor_scores(jar, hyps, refs, advance)
        per_image["METEOR"] = np.array(meteor_per_image)
    corpus["ROUGE_L"] = float(np.mean(rouge))
    corpus["CIDEr"] = float(np.mean(cider))
    ordered = {name: corpus[name] for name in METRIC_NAMES if name in corpus}
    return CaptionScores(image_ids, ordered, stats, per_image)
