"""Parity of benchlab's MMBench answer extraction with VLMEvalKit's exact matching (`can_infer`).

Loads `vlmeval/utils/matching_util.py` from a VLMEvalKit checkout given on the command line (not
installed, not copied: its one vlmeval import is satisfied by a logging stub), builds answers in
many surface forms for the real MMBench / CCBench sample questions, and prints how often both
read the same option, listing every disagreement with its reason. Expected differences are the
two documented in `benchlab.tasks.mmbench.extraction` ("answer is a <word>", "answer is (C) ...").

    .venv/bin/python bench/mmbench_extraction_parity.py --vlmevalkit PATH/TO/VLMEvalKit
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import types
from collections import Counter
from pathlib import Path
from typing import Any

from benchlab.tasks.mmbench import extract_choice, read_mmbench_tsv

DATA = Path(
    os.environ.get("BENCHLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
SAMPLES = DATA / "vlm" / "mmbench_samples"


def load_can_infer(checkout: Path) -> Any:
    """VLMEvalKit's `can_infer`, imported from its source file with a stub logger module."""
    stub = types.ModuleType("vlmeval.smp.log")
    stub.get_logger = logging.getLogger  # type: ignore[attr-defined]
    for name in ("vlmeval", "vlmeval.smp"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["vlmeval.smp.log"] = stub
    path = checkout / "vlmeval" / "utils" / "matching_util.py"
    spec = importlib.util.spec_from_file_location("vlmeval_matching_util", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.can_infer


def answers_for(options: dict[str, str]) -> list[str]:
    """Surface forms a model might answer in, for every option, plus ambiguous and empty ones."""
    forms = []
    letters = list(options)
    for letter, text in options.items():
        short = text.splitlines()[0][:60]
        forms += [
            letter,
            f"{letter}.",
            f"({letter})",
            f"**{letter}**",
            f"Answer: {letter}",
            f"answer {letter}",
            f"The answer is {letter}.",
            f"The correct answer is **{letter}**. It matches the picture best of all the options.",
            f"The answer is ({letter}) because it matches the picture best of all",
            f"the answer is {letter.lower()}.",
            f"{letter}. {short}",
            f"{letter} is correct because the image shows it clearly and nothing else fits",
            f"I think it is {letter}",
            f"Option {letter}: {short}",
            short,
            text,
            f"It is {short}.",
            f"I would say {short}, but I am not sure",
        ]
    forms += [
        f"{letters[0]} or {letters[1]}",
        f"{options[letters[0]][:40]} or {options[letters[1]][:40]}",
        "the answer is a dog",
        "It shows A cat on a mat.",
        "Cannot determine the answer",
        "Z",
        "I cannot tell from this image.",
        "",
        "E",
    ]
    return forms


def main() -> None:
    """Compare both extractors on every generated answer and print the agreement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vlmevalkit", type=Path, required=True, help="a VLMEvalKit checkout")
    args = parser.parse_args()
    can_infer = load_can_infer(args.vlmevalkit)
    files = ["mmbench_samples_en.tsv", "mmbench_samples_cn.tsv", "ccbench_samples.tsv"]
    total, agree, disagreements = 0, 0, Counter()
    examples: dict[tuple[str, str, str], str] = {}
    for name in files:
        for question in read_mmbench_tsv(SAMPLES / name):
            for answer in answers_for(question.options):
                theirs = can_infer(answer, dict(question.options))
                theirs = theirs if theirs in question.options else None  # 'Z' / False: no option
                ours = extract_choice(answer, question.options)
                total += 1
                if ours.letter == theirs:
                    agree += 1
                    continue
                key = (str(theirs), str(ours.letter), ours.rule)
                disagreements[key] += 1
                examples.setdefault(key, answer[:80])
    print(f"answers compared: {total}; same option: {agree} ({agree / total:.2%})")
    for (theirs, ours, rule), count in disagreements.most_common():
        print(
            f"  VLMEvalKit {theirs:>4} | benchlab {ours:>4} ({rule}) x{count}: "
            f"{examples[(theirs, ours, rule)]!r}"
        )


if __name__ == "__main__":
    main()
