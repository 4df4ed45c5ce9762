"""Caption metrics equal to pycocoevalcap 1.2 in pure Python: PTB tokenization, BLEU-1..4,
ROUGE-L, CIDEr-D, METEOR through the official jar when Java is present, with bootstrap CIs
over images and paired comparisons of two systems."""

from benchlab.scoring.caption.bleu import BLEU_NAMES, bleu_from_stats, bleu_stats
from benchlab.scoring.caption.cider import cider_d_scores
from benchlab.scoring.caption.corpus import METRIC_NAMES, CaptionScores, score_captions
from benchlab.scoring.caption.files import load_candidates, load_references
from benchlab.scoring.caption.intervals import (
    MetricValue,
    compare_caption_systems,
    metric_intervals,
)
from benchlab.scoring.caption.meteor import find_meteor_jar, meteor_scores
from benchlab.scoring.caption.ngrams import CorpusNgrams
from benchlab.scoring.caption.rouge import lcs_length, rouge_l
from benchlab.scoring.caption.tokenizer import PUNCTUATIONS, ptb_tokenize, ptb_tokens

__all__ = [
    "BLEU_NAMES",
    "METRIC_NAMES",
    "PUNCTUATIONS",
    "CaptionScores",
    "CorpusNgrams",
    "MetricValue",
    "bleu_from_stats",
    "bleu_stats",
    "cider_d_scores",
    "compare_caption_systems",
    "find_meteor_jar",
    "lcs_length",
    "load_candidates",
    "load_references",
    "meteor_scores",
    "metric_intervals",
    "ptb_tokenize",
    "ptb_tokens",
    "rouge_l",
    "score_captions",
]
