"""The real MMBench / CCBench samples in the shared data folder (skipped when it is absent)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from benchlab.tasks.mmbench import (
    accuracy_breakdown,
    check_circular_copies,
    circular_exemption,
    expand_circular,
    read_mmbench_tsv,
    score_circular,
    score_vanilla,
)


def _samples_dir() -> Path | None:
    if "BENCHLAB_SHARED_DATA" in os.environ:
        candidate = Path(os.environ["BENCHLAB_SHARED_DATA"]) / "vlm" / "mmbench_samples"
        return candidate if candidate.is_dir() else None
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "vlm" / "mmbench_samples"
        if candidate.is_dir():
            return candidate
    return None


SAMPLES = _samples_dir()
pytestmark = pytest.mark.skipif(SAMPLES is None, reason="shared MMBench samples not present")


def _sha256sums() -> dict[str, str]:
    lines = (SAMPLES / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name.lstrip("*"): digest for digest, name in (line.split(maxsplit=1) for line in lines)}


@pytest.mark.parametrize(
    ("filename", "folder", "count"),
    [
        ("mmbench_samples_en.tsv", "MMBench", 20),
        ("mmbench_samples_cn.tsv", "MMBench", 20),
        ("ccbench_samples.tsv", "CCBench", 14),
    ],
)
def test_images_decode_to_the_published_files(filename: str, folder: str, count: int) -> None:
    sums = _sha256sums()
    questions = read_mmbench_tsv(SAMPLES / filename)
    assert len(questions) == count
    for question in questions:
        assert question.image.sha256() == sums[f"images/{folder}/{question.index}.jpg"]
        assert question.answer in question.options


def test_mmbench_samples_shape() -> None:
    english = read_mmbench_tsv(SAMPLES / "mmbench_samples_en.tsv")
    chinese = read_mmbench_tsv(SAMPLES / "mmbench_samples_cn.tsv")
    assert Counter(len(q.options) for q in english) == {4: 18, 3: 2}
    assert sum(q.hint is not None for q in english) == 1
    assert [(q.index, q.answer) for q in english] == [(q.index, q.answer) for q in chinese]
    assert len({q.category for q in english}) == 20 and len({q.l2_category for q in english}) == 6
    cc = read_mmbench_tsv(SAMPLES / "ccbench_samples.tsv")
    assert Counter(q.category for q in cc).most_common()[-1][1] == 2
    assert all(q.l2_category is None for q in cc)


@pytest.mark.parametrize("language", ["en", "cn"])
def test_derived_circular_files_follow_vlmevalkit_rules(language: str) -> None:
    originals = read_mmbench_tsv(SAMPLES / f"mmbench_samples_{language}.tsv")
    derived = read_mmbench_tsv(SAMPLES / f"derived_mmbench_samples_{language}_circular.tsv")
    assert all(circular_exemption(q) is None for q in originals)  # none is left unrotated
    assert check_circular_copies(derived) == []
    mine = {q.index: q for q in expand_circular(originals)}
    assert len(derived) == len(mine) == 78
    for question in derived:
        ours = mine[question.index]
        assert (question.options, question.answer, question.question, question.hint) == (
            ours.options,
            ours.answer,
            ours.question,
            ours.hint,
        )
        assert (question.category, question.l2_category) == (ours.category, ours.l2_category)
    # the derived files repeat the base64 in each copy (VLMEvalKit writes the original's
    # index instead); the bytes are the same
    image_of = {q.index: q.image.sha256() for q in originals}
    assert all(q.image.sha256() == image_of[q.group] for q in derived[::7])


def test_always_a_and_oracle_on_the_real_circular_file() -> None:
    derived = read_mmbench_tsv(SAMPLES / "derived_mmbench_samples_en_circular.tsv")
    always_a = {q.index: "A" for q in derived}
    assert accuracy_breakdown(score_circular(derived, always_a)).overall.correct == 0
    every_copy = score_vanilla(derived, always_a, originals_only=False)
    assert sum(o.correct for o in every_copy) == 20  # one copy per question has answer A
    oracle = {q.index: f"The answer is {q.answer}." for q in derived}
    report = accuracy_breakdown(score_circular(derived, oracle))
    assert (report.overall.correct, report.overall.n) == (20, 20)
    assert len(report.by_l2_category) == 6
