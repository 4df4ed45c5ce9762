"""How consistent are a model's sampled answers to one item? Per-item agreement and majority vote.

Given the M answers extracted from M samples of one item (None or "[invalid]" where nothing
could be extracted), this module measures how much they agree and whether the greedy answer,
the majority answer and each sample are right. It knows nothing about models: the answers are
strings, and correctness comes from a gold answer or from per-sample verdicts (code samples
executed against their tests).

Conventions, fixed here so every report means the same thing:

- An unextractable sample counts as the answer "[invalid]". It is one category for the number
  of unique answers and the entropy, it is never correct, and it never wins a majority vote
  unless every sample is invalid, in which case there is no majority answer and the item is
  wrong.
- Agreement is the share of the M samples that give the majority answer (0 when there is none);
  an item is fully consistent when its agreement is 1.
- Entropy is the Shannon entropy, in bits, of the distribution of the M answers.
- Ties for the majority are broken by a seeded choice keyed by the item id and the tied answers
  (see `majority_vote`), never by the order of the samples: lm-evaluation-harness takes the
  first sample, which makes maj@k depend on sampling order and lets "[invalid]" win.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from benchlab.errors import DataError

__all__ = [
    "INVALID",
    "ItemConsistency",
    "ItemSamples",
    "answer_entropy",
    "is_invalid",
    "item_consistency",
    "majority_vote",
]

INVALID = "[invalid]"


def is_invalid(answer: str | None) -> bool:
    """Whether an extracted answer marks a sample nothing could be extracted from."""
    return answer is None or answer == INVALID


def _canonical(answers: Sequence[str | None]) -> list[str]:
    """The answers with None written as "[invalid]"."""
    return [INVALID if is_invalid(a) else str(a) for a in answers]


def _tie_index(seed: int, item_id: str, tied: Sequence[str]) -> int:
    """A reproducible index into the sorted tied answers, keyed by seed, item and the tie."""
    key = "\x1f".join([str(seed), item_id, *tied]).encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % len(tied)


def majority_vote(answers: Sequence[str | None], *, item_id: str, seed: int = 0) -> str | None:
    """The most frequent valid answer; None when every answer is invalid (or there are none).

    Ties: the tied answers are sorted, and one is chosen by the first 8 bytes of
    SHA-256("<seed>\\x1f<item_id>\\x1f<tied answers...>") modulo their number. The choice
    therefore depends on the seed, the item and which answers tie, not on sample order, and
    the same tie in the same item resolves the same way for every k of maj@k.
    """
    counts = Counter(a for a in _canonical(answers) if a != INVALID)
    if not counts:
        return None
    top = max(counts.values())
    tied = sorted(a for a, c in counts.items() if c == top)
    return tied[_tie_index(seed, item_id, tied)] if len(tied) > 1 else tied[0]


def answer_entropy(answers: Sequence[str | None]) -> float:
    """Shannon entropy in bits of the answers' distribution ("[invalid]" is one category)."""
    counts = Counter(_canonical(answers))
    total = sum(counts.values())
    if total == 0:
        raise DataError("answer entropy needs at least one answer")
    return max(0.0, -sum((c / total) * math.log2(c / total) for c in counts.values()))


@dataclass(frozen=True)
class ItemSamples:
    """One item's sampled answers, its greedy answer and how to tell a right answer.

    Give `gold` (answers are compared to it, or through `is_correct`) or `sample_correct`
    (one verdict per sample, e.g. code executed in the sandbox; then an answer's correctness is
    the verdict of the samples that gave it, and `greedy_correct` gives the greedy verdict).
    `greedy` None means no greedy answer was generated; an unextractable one is "[invalid]".
    """

    item_id: str
    samples: Sequence[str | None]
    greedy: str | None = None
    gold: str | None = None
    sample_correct: Sequence[bool] | None = None
    greedy_correct: bool | None = None


@dataclass(frozen=True)
class ItemConsistency:
    """What the M samples of one item say: spread, majority, and which answers are right."""

    item_id: str
    answers: tuple[str, ...]
    n_unique: int
    majority: str | None
    agreement: float
    entropy: float
    greedy: str | None
    greedy_correct: bool | None
    majority_correct: bool
    sample_correct: tuple[bool, ...]
    maj_at_k_correct: tuple[bool, ...]

    @property
    def fully_consistent(self) -> bool:
        """Whether every sample gives the same valid answer."""
        return self.agreement == 1.0

    @property
    def n_correct(self) -> int:
        """How many samples are right."""
        return sum(self.sample_correct)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, one line of a per-item consistency file."""
        return {**asdict(self), "fully_consistent": self.fully_consistent}


Oracle = Callable[[str, str], bool]


def _exact(answer: str, gold: str) -> bool:
    return answer == gold


def _verdicts(item: ItemSamples, answers: list[str]) -> dict[str, bool]:
    """Answer -> correct, from the per-sample verdicts (one answer must get one verdict)."""
    assert item.sample_correct is not None
    if len(item.sample_correct) != len(answers):
        raise DataError(
            f"item {item.item_id}: {len(answers)} samples but {len(item.sample_correct)} "
            "verdicts; give one verdict per sample"
        )
    verdicts: dict[str, bool] = {}
    for answer, correct in zip(answers, item.sample_correct, strict=True):
        correct = bool(correct) and answer != INVALID
        if verdicts.setdefault(answer, correct) != correct:
            raise DataError(
                f"item {item.item_id}: answer {answer!r} is marked both right and wrong; "
                "give equal answers equal verdicts"
            )
    return verdicts


def _judge(item: ItemSamples, answers: list[str], is_correct: Oracle) -> Callable[[str], bool]:
    """A function telling whether an answer of this item is right."""
    if item.sample_correct is not None:
        verdicts = _verdicts(item, answers)
        return lambda answer: verdicts.get(answer, False)
    if item.gold is None:
        raise DataError(f"item {item.item_id}: give a gold answer or per-sample verdicts")
    gold = str(item.gold)
    return lambda answer: answer != INVALID and bool(is_correct(answer, gold))


def item_consistency(
    item: ItemSamples, *, is_correct: Oracle = _exact, seed: int = 0
) -> ItemConsistency:
    """Agreement, entropy, majority and correctness of one item's samples (see module doc)."""
    answers = _canonical(item.samples)
    if not answers:
        raise DataError(f"item {item.item_id}: no samples; consistency needs at least one")
    right = _judge(item, answers, is_correct)
    majority = majority_vote(answers, item_id=item.item_id, seed=seed)
    agreement = answers.count(majority) / len(answers) if majority is not None else 0.0
    maj_at_k = []
    for k in range(1, len(answers) + 1):
        winner = majority_vote(answers[:k], item_id=item.item_id, seed=seed)
        maj_at_k.append(winner is not None and right(winner))
    greedy = None if item.greedy is None else _canonical([item.greedy])[0]
    greedy_correct = item.greedy_correct
    if greedy_correct is None and greedy is not None:
        known = item.sample_correct is None or greedy in answers or greedy == INVALID
        greedy_correct = right(greedy) if known else None
    return ItemConsistency(
        item_id=item.item_id,
        answers=tuple(answers),
        n_unique=len(set(answers)),
        majority=majority,
        agreement=agreement,
        entropy=answer_entropy(answers),
        greedy=greedy,
        greedy_correct=greedy_correct,
        majority_correct=majority is not None and right(majority),
        sample_correct=tuple(right(a) for a in answers),
        maj_at_k_correct=tuple(maj_at_k),
    )
