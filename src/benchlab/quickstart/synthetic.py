"""Small generated classification tasks that a model can learn but not guess.

Labels depend only on which lexicon the key words come from; filler words carry no signal, so a
trained model beats a prompted random one and a pretrained encoder learns them in a few steps.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from benchlab.record.atomic import write_text_atomic

__all__ = ["SYNTHETIC_TASKS", "corpus", "write_task"]

_FILLER = (
    "the a this that my our their one some every today yesterday really quite very "
    "was is seemed felt looked sounded and but so then also just"
).split()

SYNTHETIC_TASKS: dict[str, dict[str, list[str]]] = {
    "sentiment": {
        "negative": "awful terrible boring dull bad poor sad ugly weak broken".split(),
        "positive": "great wonderful lovely superb good fine happy bright strong brilliant".split(),
    },
    "topic": {
        "sports": "football match goal team coach league score tennis runner stadium".split(),
        "science": "atom physics molecule experiment theory cell planet energy laser data".split(),
        "food": "pasta bread cheese soup salad recipe kitchen spice fruit dinner".split(),
    },
}

_NOUNS = "movie film story book show place day trip song meal".split()


def _sentence(rng: random.Random, keywords: list[str]) -> str:
    words = [rng.choice(_FILLER) for _ in range(rng.randint(3, 6))]
    words.insert(rng.randrange(len(words) + 1), rng.choice(_NOUNS))
    for keyword in rng.sample(keywords, 2):
        words.insert(rng.randrange(len(words) + 1), keyword)
    return " ".join(words)


def write_task(task: str, split: str, path: Path, *, size: int, seed: int) -> Path:
    """Write `size` labelled rows of a synthetic task as JSONL (id, text, label name)."""
    lexicons = SYNTHETIC_TASKS[task]
    rng = random.Random(f"{task}-{split}-{seed}")
    labels = sorted(lexicons)
    rows = []
    for i in range(size):
        label = labels[i % len(labels)]
        rows.append(
            {"id": f"{task}-{split}-{i}", "text": _sentence(rng, lexicons[label]), "label": label}
        )
    rng.shuffle(rows)
    write_text_atomic(path, "".join(json.dumps(r, allow_nan=False) + "\n" for r in rows))
    return path


def corpus() -> list[str]:
    """Text for training the tiny tokenizers: every word the synthetic tasks and prompts use."""
    rng = random.Random(0)
    lines = []
    for lexicons in SYNTHETIC_TASKS.values():
        for words in lexicons.values():
            lines.extend(_sentence(rng, words) for _ in range(200))
    prompts = (
        "Review: Sentiment: Label: Question: Answer: True False Neither positive negative "
        "sports science food The answer is"
    )
    lines.extend([prompts] * 50)
    return lines
