"""ROUGE-L as pycocoevalcap computes it: best precision and best recall over references, beta 1.2.

The longest common subsequence uses the bit-parallel algorithm of Allison and Dix (1986) /
Hyyrö (2004) on Python integers, one word of the reference per step, so a caption pair costs a
few dozen integer operations instead of a Python-level dynamic-programming table.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BETA", "lcs_length", "rouge_l"]

BETA = 1.2


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists."""
    if len(a) < len(b):
        a, b = b, a
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    row = 0
    for token in b:
        match = masks.get(token, 0)
        if match:
            carry = match | row
            row = carry & ((carry - ((row << 1) | 1)) ^ carry)
    return row.bit_count()


def rouge_l(candidate: str, references: Sequence[str]) -> float:
    """ROUGE-L F-score of one candidate against its references (tokens split on one space)."""
    tokens = candidate.split(" ")
    precision = recall = 0.0
    for reference in references:
        ref_tokens = reference.split(" ")
        common = lcs_length(ref_tokens, tokens)
        precision = max(precision, common / float(len(tokens)))
        recall = max(recall, common / float(len(ref_tokens)))
    if precision != 0 and recall != 0:
        return ((1 + BETA**2) * precision * recall) / float(recall + BETA**2 * precision)
    return 0.0
