"""Caption metric parity and speed: benchlab's pure-Python scorer against pycocoevalcap 1.2.

Needs `pip install pycocoevalcap==1.2` (the `bench` extra) and Java, and the real data in
../shared/data/vlm (override with BENCHLAB_SHARED_DATA). Prints, in one run:
  1. per metric |benchlab - pycocoevalcap| on the 1,000-image coco-caption fakecap set, both
     scored from raw captions (each with its own tokenizer); must be <= 1e-6;
  2. tokenizer agreement with the Java PTB tokenizer: the shipped PTB-tokenized files, real COCO
     2017 captions and the hard cases in bench/caption_hard_cases.py run through Java live;
     must be >= 99.5% of captions;
  3. wall time of pycocoevalcap (Java tokenizer + Bleu + ROUGE_L + CIDEr) over benchlab
     (tokenizer + the same metrics) on 5,000 images built by relabelling the real captions;
     target >= 10x. METEOR runs the same jar on both sides, so it is left out of the timing.
Exits 1 when a threshold is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from caption_hard_cases import HARD_CASES

from benchlab.scoring.caption import (
    find_meteor_jar,
    load_candidates,
    load_references,
    ptb_tokenize,
    score_captions,
)
from benchlab.scoring.caption.tokenizer import clear_token_cache

DATA = Path(
    os.environ.get("BENCHLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
PARITY = DATA / "vlm" / "coco_caption_fakecap_parity"
MINI = DATA / "vlm" / "coco_mini_captions" / "annotations"
METRICS = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")
TOLERANCE = 1e-6
MIN_AGREEMENT = 0.995
MIN_SPEEDUP = 10.0


def java_tokenize(captions: list[str]) -> list[str]:
    """pycocoevalcap's own PTBTokenizer (Java) on a list of captions, order kept."""
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    keyed = {i: [{"caption": c}] for i, c in enumerate(captions)}
    tokenized = PTBTokenizer().tokenize(keyed)
    return [tokenized[i][0] for i in range(len(captions))]


def pycoco_scores(
    candidates: dict[Any, str], references: dict[Any, list[str]], meteor: bool
) -> dict[str, float]:
    """pycocoevalcap 1.2 as COCOEvalCap runs it (Java tokenizer, then each scorer)."""
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    gts = {i: [{"caption": c} for c in references[i]] for i in candidates}
    res = {i: [{"caption": candidates[i]}] for i in candidates}
    tokenizer = PTBTokenizer()
    gts, res = tokenizer.tokenize(gts), tokenizer.tokenize(res)
    scores: dict[str, float] = {}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    scores.update({f"Bleu_{k + 1}": value for k, value in enumerate(bleu)})
    if meteor:
        from pycocoevalcap.meteor.meteor import Meteor

        scores["METEOR"] = Meteor().compute_score(gts, res)[0]
    scores["ROUGE_L"] = float(Rouge().compute_score(gts, res)[0])
    scores["CIDEr"] = float(Cider().compute_score(gts, res)[0])
    return scores


def metric_parity(meteor: bool) -> tuple[list[tuple[str, float, float, float]], bool]:
    """Rows (metric, pycocoevalcap, benchlab, |diff|) on the fakecap set, and whether all pass."""
    candidates = load_candidates(PARITY / "captions_val2014_fakecap_results.json")
    references = load_references(PARITY / "captions_val2014_subset1000.json")
    theirs = pycoco_scores(candidates, references, meteor)
    ours = score_captions(candidates, references, meteor=meteor).corpus
    rows = [(m, theirs[m], ours[m], abs(theirs[m] - ours[m])) for m in METRICS if m in theirs]
    return rows, all(diff <= TOLERANCE for _, _, _, diff in rows)


def agreement(captions: list[str], expected: list[str]) -> tuple[int, list[tuple[str, str, str]]]:
    """How many captions benchlab tokenizes exactly as expected, and the mismatches."""
    ours = ptb_tokenize(captions)
    misses = [(c, e, o) for c, e, o in zip(captions, expected, ours, strict=True) if e != o]
    return len(captions) - len(misses), misses


def tokenizer_parity() -> tuple[list[tuple[str, int, int]], list[tuple[str, str, str]]]:
    """Rows (source, agreeing, total) and every mismatch."""
    rows, misses = [], []
    refs = json.loads((PARITY / "captions_val2014_subset1000.json").read_text())["annotations"]
    shipped = json.loads((PARITY / "references_after_ptb_tokenization.json").read_text())
    by_image: dict[str, list[str]] = {}
    for row in refs:
        by_image.setdefault(str(row["image_id"]), []).append(row["caption"])
    raw = [c for image, caps in by_image.items() for c in caps]
    expected = [t for image in by_image for t in shipped[image]]
    results = json.loads((PARITY / "captions_val2014_fakecap_results.json").read_text())
    shipped_res = json.loads((PARITY / "results_after_ptb_tokenization.json").read_text())
    raw += [r["caption"] for r in results]
    expected += [shipped_res[str(r["image_id"])][0] for r in results]
    good, bad = agreement(raw, expected)
    rows.append(("fakecap refs+candidates, shipped PTB output", good, len(raw)))
    misses += bad
    mini = [
        row["caption"]
        for name in ("captions_train2017.json", "captions_val2017.json")
        for row in json.loads((MINI / name).read_text())["annotations"]
    ]
    for source, captions in (
        ("COCO 2017 mini, Java live", mini),
        ("hard cases, Java live", HARD_CASES),
    ):
        good, bad = agreement(captions, java_tokenize(captions))
        rows.append((source, good, len(captions)))
        misses += bad
    return rows, misses


def five_thousand_images() -> tuple[dict[Any, str], dict[Any, list[str]]]:
    """5,000 images from the 1,000 real ones: copy 0 as is; in copy r, reference r-1 becomes the
    candidate and the original candidate joins the other references (all real captions)."""
    candidates = load_candidates(PARITY / "captions_val2014_fakecap_results.json")
    references = load_references(PARITY / "captions_val2014_subset1000.json")
    big_candidates: dict[Any, str] = {}
    big_references: dict[Any, list[str]] = {}
    for copy in range(5):
        for image, caption in candidates.items():
            refs = references[image]
            new_id = f"{copy}-{image}"
            if copy == 0:
                big_candidates[new_id], big_references[new_id] = caption, list(refs)
            else:
                chosen = (copy - 1) % len(refs)
                big_candidates[new_id] = refs[chosen]
                big_references[new_id] = [caption, *refs[:chosen], *refs[chosen + 1 :]]
    return big_candidates, big_references


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (pycocoevalcap's JVMs)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def best_time(function: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Smallest wall and CPU seconds of `repeats` calls (the machine is shared; the minimum is
    the least disturbed by other processes)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), _cpu_seconds()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu_seconds() - cpu)
    return min(walls), min(cpus)


def speed(repeats: int) -> tuple[tuple[float, float], tuple[float, float], int]:
    """((wall, cpu) of pycocoevalcap, (wall, cpu) of benchlab, images) on 5,000 images."""
    candidates, references = five_thousand_images()

    def ours() -> None:
        clear_token_cache()
        score_captions(candidates, references, meteor=False)

    theirs = best_time(lambda: pycoco_scores(candidates, references, False), repeats)
    return theirs, best_time(ours, repeats), len(candidates)


def main() -> None:
    """Run the three checks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="timing repeats (best is kept)")
    parser.add_argument("--no-meteor", action="store_true", help="skip the METEOR comparison")
    args = parser.parse_args()
    if not PARITY.is_dir():
        sys.exit(f"data folder {PARITY} not found; set BENCHLAB_SHARED_DATA")
    meteor = not args.no_meteor and find_meteor_jar() is not None

    rows, metrics_ok = metric_parity(meteor)
    print("\n1. metric parity, coco-caption fakecap (1,000 images, raw captions)")
    print(f"{'metric':<8} {'pycocoevalcap':>20} {'benchlab':>20} {'|diff|':>10}")
    for name, theirs, ours, diff in rows:
        print(f"{name:<8} {theirs:>20.16f} {ours:>20.16f} {diff:>10.1e}")

    token_rows, misses = tokenizer_parity()
    good = sum(r[1] for r in token_rows)
    total = sum(r[2] for r in token_rows)
    print("\n2. tokenizer agreement with the Java PTB tokenizer (exact token sequence)")
    for source, agree, count in token_rows:
        print(f"{source:<45} {agree:>5}/{count:<5} {agree / count:8.2%}")
    print(f"{'all':<45} {good:>5}/{total:<5} {good / total:8.2%}")
    for caption, expected, ours in misses:
        print(f"  mismatch: {caption!r}\n    java:     {expected}\n    benchlab: {ours}")
    tokens_ok = good / total >= MIN_AGREEMENT

    (theirs_wall, theirs_cpu), (ours_wall, ours_cpu), images = speed(args.repeats)
    ratio = theirs_wall / ours_wall
    print(
        f"\n3. time on {images:,} images (tokenize + Bleu_1-4 + ROUGE_L + CIDEr), best of "
        f"{args.repeats}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'':<14} {'pycocoevalcap':>14} {'benchlab':>10} {'ratio':>8}")
    print(f"{'wall seconds':<14} {theirs_wall:>14.2f} {ours_wall:>10.2f} {ratio:>7.1f}x")
    cpu_ratio = theirs_cpu / ours_cpu
    print(f"{'CPU seconds':<14} {theirs_cpu:>14.2f} {ours_cpu:>10.2f} {cpu_ratio:>7.1f}x")
    speed_ok = ratio >= MIN_SPEEDUP

    print(
        f"\nmetrics |diff| <= {TOLERANCE:g}: {'PASS' if metrics_ok else 'FAIL'}; "
        f"tokenizer >= {MIN_AGREEMENT:.1%}: {'PASS' if tokens_ok else 'FAIL'}; "
        f"wall-time speed-up >= {MIN_SPEEDUP:g}x: {'PASS' if speed_ok else 'FAIL'}"
    )
    sys.exit(0 if metrics_ok and tokens_ok and speed_ok else 1)


if __name__ == "__main__":
    main()
