"""N-gram counts shared by BLEU and CIDEr, one Counter per order, built at C speed with zip."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

__all__ = ["ORDER", "NgramCounts", "ngram_counts"]

ORDER = 4
# counts[k] maps each (k+1)-gram (a str for unigrams, a tuple above) to its count.
NgramCounts = tuple[Counter[Any], ...]


def ngram_counts(sentence: str) -> NgramCounts:
    """Counts of the 1..4-grams of a whitespace-tokenized sentence, one Counter per order."""
    words = sentence.split()
    return (
        Counter(words),
        Counter(pairwise(words)),
        Counter(zip(words, words[1:], words[2:], strict=False)),
        Counter(zip(words, words[1:], words[2:], words[3:], strict=False)),
    )
