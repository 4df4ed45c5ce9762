"""`benchlab compare` equals the paired statistics module run directly on the same predictions."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.report.compare_runs import compare_runs, pair_experiments
from benchlab.report.run_files import read_run_experiments
from benchlab.scoring.classification import f1
from benchlab.stats import (
    holm_correction,
    mcnemar_exact,
    paired_bootstrap_difference,
    paired_permutation_test,
)

N = 40
RESAMPLES = 200


def _write(run: Path, experiment_id: str, results: dict, rows: list[dict]) -> None:
    folder = run / "experiments" / experiment_id
    folder.mkdir(parents=True)
    model, task, mode = experiment_id.split("_")
    head = {"status": "complete", "model": model, "task": task, "mode": mode, "seed": 0}
    (folder / "results.json").write_text(json.dumps({**head, **results}))
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _math(
    run: Path, strict: np.ndarray, flexible: np.ndarray, score: np.ndarray, order: np.ndarray
) -> None:
    rows = [
        {
            "id": f"q{i}",
            "correct": bool(s),
            "correct_strict": bool(s),
            "correct_flexible": bool(f),
            "rouge": float(r),
        }
        for i, (s, f, r) in enumerate(zip(strict, flexible, score, strict=True))
    ]
    metrics = {
        "exact_match_strict": {"value": float(strict.mean())},
        "exact_match_flexible": {"value": float(flexible.mean())},
        "no_answer_strict_count": {"value": 3.0},
        "rouge": {"value": float(score.mean())},
    }
    _write(run, "tiny_gsm_zs", {"metrics": metrics}, [rows[i] for i in order])


def _classification(run: Path, gold: np.ndarray, pred: np.ndarray) -> None:
    rows = [
        {"id": f"s{i}", "correct": bool(g == p), "gold_index": int(g), "prediction_index": int(p)}
        for i, (g, p) in enumerate(zip(gold, pred, strict=True))
    ]
    metrics = {
        "accuracy": {"value": float((gold == pred).mean())},
        "f1": {"value": f1(gold, pred, 2)},
    }
    _write(run, "tiny_sst2_ft", {"metrics": metrics}, rows)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    rng = np.random.default_rng(1)
    root = tmp_path_factory.mktemp("compare")
    strict_a = np.arange(N) < 36
    strict_b = np.arange(N) < 18
    flex_a, flex_b = rng.random(N) < 0.7, rng.random(N) < 0.75
    rouge_a, rouge_b = rng.random(N), rng.random(N)
    gold = rng.integers(0, 2, size=N)
    pred_a = np.where(rng.random(N) < 0.8, gold, 1 - gold)
    pred_b = np.where(rng.random(N) < 0.85, gold, 1 - gold)
    # A's file lists the items backwards, B's shuffled: pairing is by id, in A's order.
    backwards = np.arange(N)[::-1]
    _math(root / "a", strict_a, flex_a, rouge_a, backwards)
    _math(root / "b", strict_b, flex_b, rouge_b, rng.permutation(N))
    _classification(root / "a", gold, pred_a)
    _classification(root / "b", gold, pred_b)
    _write(root / "b", "tiny_extra_zs", {"metrics": {}}, [])
    columns = {
        "exact_match_strict": (strict_a[backwards], strict_b[backwards], None),
        "exact_match_flexible": (flex_a[backwards], flex_b[backwards], None),
        "rouge": (rouge_a[backwards], rouge_b[backwards], None),
        "accuracy": (gold == pred_a, gold == pred_b, None),
        "f1": (pred_a, pred_b, gold),
    }
    return root, columns


def _mean(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=-1)


def test_compare_equals_the_paired_statistics_module(runs):
    root, columns = runs
    a, b = read_run_experiments(root / "a"), read_run_experiments(root / "b")
    rows = compare_runs(pair_experiments(a, b), n_resamples=RESAMPLES)
    assert [(r.task, r.metric) for r in rows] == [
        ("gsm", "exact_match_strict"),
        ("gsm", "exact_match_flexible"),
        ("gsm", "rouge"),
        ("sst2", "accuracy"),
        ("sst2", "f1"),
    ]
    raw_p = []
    for row in rows:
        col_a, col_b, gold = columns[row.metric]
        if gold is None:
            col_a, col_b = col_a.astype(float), col_b.astype(float)
            statistic = _mean
        else:
            statistic = lambda g, p: f1(g, p, 2)  # noqa: E731
        boot = paired_bootstrap_difference(
            statistic, col_a, col_b, gold, n_resamples=RESAMPLES, seed=0
        )
        assert row.n == N
        assert row.difference == pytest.approx(boot.difference)
        assert (row.ci_low, row.ci_high) == pytest.approx((boot.ci.low, boot.ci.high))
        if row.metric in ("exact_match_strict", "exact_match_flexible", "accuracy"):
            expected = mcnemar_exact(col_a, col_b).p_value
            assert row.test == "mcnemar_exact"
        else:
            expected = paired_permutation_test(
                statistic, col_a, col_b, gold, n_permutations=RESAMPLES, seed=0
            ).p_value
            assert row.test == "paired_permutation"
        assert row.p_value == pytest.approx(expected)
        raw_p.append(expected)
    holm = holm_correction(raw_p).p_adjusted
    assert [r.p_holm for r in rows] == pytest.approx(list(holm))
    strict = rows[0]
    assert strict.value_a == pytest.approx(0.9) and strict.value_b == pytest.approx(0.45)
    assert strict.verdict == "regression"
    assert strict.sentence().startswith("gsm exact_match_strict fell 45.0 points, CI [")
    assert strict.sentence().endswith("excludes 0")


def test_cli_writes_csv_and_json_and_flags_the_regression(runs, tmp_path):
    root, _ = runs
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        app, ["compare", str(root / "a"), str(root / "b"), "--out", str(out), "--resamples", "200"]
    )
    assert result.exit_code == 0, result.output
    assert "REGRESSION: gsm exact_match_strict fell 45.0 points" in result.output
    assert "unpaired in B: tiny_extra_zs" in result.output
    with (out / "compare.csv").open() as handle:
        table = list(csv.DictReader(handle))
    data = json.loads((out / "compare.json").read_text())
    assert len(table) == len(data["comparisons"]) == 5
    assert table[0]["verdict"] == "regression" and data["difference"] == "B - A"


def test_explicit_pairs_and_bad_input(runs, tmp_path):
    root, _ = runs
    a, b = read_run_experiments(root / "a"), read_run_experiments(root / "b")
    pairs = pair_experiments(a, b, explicit=[("tiny_gsm_zs", "tiny_gsm_zs")])
    assert [(x.experiment_id, y.experiment_id) for x, y in pairs] == [("tiny_gsm_zs",) * 2]
    broken = tmp_path / "broken"
    _write(broken, "tiny_gsm_zs", {"metrics": {}}, [])
    path = broken / "experiments" / "tiny_gsm_zs" / "predictions.jsonl"
    path.write_text('{"id": 1}\n{oops\n')
    runner = CliRunner()
    result = runner.invoke(app, ["compare", str(root / "a"), str(broken)])
    assert result.exit_code == 2
    assert "predictions.jsonl:2: not valid JSON" in result.output
    result = runner.invoke(app, ["compare", str(root / "a"), str(root / "b"), "--pair", "nope"])
    assert result.exit_code == 2 and "A_EXPERIMENT_ID=B_EXPERIMENT_ID" in result.output


def _judge(run: Path, outcomes: list[str], categories: list[str]) -> None:
    score = {"win": 1.0, "tie": 0.5, "loss": 0.0}
    rows = [
        {"id": f"p{i}", "correct": {"win": True, "loss": False}.get(o), "group": c, "outcome": o}
        for i, (o, c) in enumerate(zip(outcomes, categories, strict=True))
    ]
    scored = [score[o] for o in outcomes if o in score]
    pairs = zip(outcomes, categories, strict=True)
    math_scored = [score[o] for o, c in pairs if c == "math" and o in score]
    decisive = [o == "win" for o in outcomes if o in ("win", "loss")]
    metrics = {
        "score": {"value": float(np.mean(scored)), "n": len(scored)},
        "win_rate": {"value": float(np.mean(decisive)), "n": len(decisive)},
        "score/math": {"value": float(np.mean(math_scored)), "n": len(math_scored)},
        "position_flip_rate": {"value": 0.1, "n": len(outcomes)},
    }
    _write(run, "tiny_judge_pw", {"metrics": metrics}, rows)


def test_judge_scores_and_categories_are_compared_on_scored_pairs(tmp_path):
    rng = np.random.default_rng(5)
    choices = ["win", "tie", "loss", "unparseable"]
    categories = [str(c) for c in rng.choice(["math", "code"], size=N)]
    outcome_a = [str(o) for o in rng.choice(choices, size=N, p=[0.2, 0.5, 0.25, 0.05])]
    outcome_b = [str(o) for o in rng.choice(choices, size=N, p=[0.4, 0.3, 0.25, 0.05])]
    _judge(tmp_path / "a", outcome_a, categories)
    _judge(tmp_path / "b", outcome_b, categories)
    a, b = read_run_experiments(tmp_path / "a"), read_run_experiments(tmp_path / "b")
    rows = {r.metric: r for r in compare_runs(pair_experiments(a, b), n_resamples=RESAMPLES)}
    assert set(rows) == {"score", "win_rate", "score/math"}  # the flip rate has no item column
    value = {"win": 1.0, "tie": 0.5, "loss": 0.0}
    both = [
        (value[x], value[y], c)
        for x, y, c in zip(outcome_a, outcome_b, categories, strict=True)
        if x in value and y in value
    ]
    for metric, keep in (("score", lambda c: True), ("score/math", lambda c: c == "math")):
        col_a = np.array([x for x, _, c in both if keep(c)])
        col_b = np.array([y for _, y, c in both if keep(c)])
        boot = paired_bootstrap_difference(_mean, col_a, col_b, n_resamples=RESAMPLES, seed=0)
        perm = paired_permutation_test(_mean, col_a, col_b, n_permutations=RESAMPLES, seed=0)
        row = rows[metric]
        assert row.n == col_a.size and row.test == "paired_permutation"
        assert (row.difference, row.ci_low, row.ci_high, row.p_value) == pytest.approx(
            (boot.difference, boot.ci.low, boot.ci.high, perm.p_value)
        )
    decisive = [
        (x == "win", y == "win")
        for x, y in zip(outcome_a, outcome_b, strict=True)
        if x in ("win", "loss") and y in ("win", "loss")
    ]
    wins_a, wins_b = (np.array(side) for side in zip(*decisive, strict=True))
    assert rows["win_rate"].test == "mcnemar_exact" and rows["win_rate"].n == len(decisive)
    assert rows["win_rate"].p_value == pytest.approx(mcnemar_exact(wins_a, wins_b).p_value)


def test_unknown_explicit_pair_names_the_choices(runs):
    root, _ = runs
    result = CliRunner().invoke(
        app, ["compare", str(root / "a"), str(root / "b"), "--pair", "tiny_gsm_zs=nope"]
    )
    assert result.exit_code == 2
    assert "run B has no complete experiment 'nope'" in result.output


def test_a_count_is_never_compared_as_a_column_whose_mean_equals_it(tmp_path):
    # every answer wrong and none missing: `correct` has mean 0, as the count has value 0
    rows = [{"id": f"q{i}", "correct": False, "correct_strict": False} for i in range(N)]
    metrics = {
        "exact_match_strict": {"value": 0.0, "n": N},
        "no_answer_strict_count": {"value": 0.0, "n": N, "ci_method": "count"},
    }
    for run in ("a", "b"):
        _write(tmp_path / run, "tiny_gsm_sft", {"metrics": metrics}, rows)
    pairs = pair_experiments(
        read_run_experiments(tmp_path / "a"), read_run_experiments(tmp_path / "b")
    )
    compared = [row.metric for row in compare_runs(pairs, n_resamples=RESAMPLES)]
    assert compared == ["exact_match_strict"]


def _consistency_run(run: Path, items: list[tuple[str, float, list[bool], bool]], temp: float):
    """A gsm experiment with a consistency pass: (item id, agreement, samples right, maj right)."""
    settings = {"samples": 4, "temperature": temp, "top_p": 1.0, "max_items": None}
    results = {"metrics": {}, "passes": {"consistency": {"settings": settings}}}
    _write(run, "tiny_gsm_sft", results, [{"id": i} for i, *_ in items])
    lines = [
        {"item_id": i, "agreement": g, "sample_correct": s, "majority_correct": m}
        for i, g, s, m in items
    ]
    path = run / "experiments/tiny_gsm_sft/consistency.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


def test_consistency_statistics_are_paired_by_item(tmp_path):
    rng = np.random.default_rng(7)
    ids = [f"q{i}" for i in range(N)]
    right_a, right_b = rng.random((N, 4)) < 0.3, rng.random((N, 4)) < 0.6
    agree_a, agree_b = rng.choice([0.25, 0.5, 1.0], N), rng.choice([0.5, 0.75, 1.0], N)
    major_a, major_b = rng.random(N) < 0.3, rng.random(N) < 0.6
    a = [(i, agree_a[k], right_a[k].tolist(), bool(major_a[k])) for k, i in enumerate(ids)]
    b = [(i, agree_b[k], right_b[k].tolist(), bool(major_b[k])) for k, i in enumerate(ids)]
    _consistency_run(tmp_path / "a", a, 0.8)
    _consistency_run(tmp_path / "b", b[::-1], 0.8)  # another order: pairs follow item ids
    _consistency_run(tmp_path / "c", b, 1.0)  # other sampling: nothing to compare
    read = {run: read_run_experiments(tmp_path / run) for run in "abc"}
    rows = compare_runs(pair_experiments(read["a"], read["b"]), n_resamples=RESAMPLES)
    expected = {
        "consistency_agreement": (agree_a, agree_b),
        "consistency_sample_accuracy": (right_a.mean(axis=1), right_b.mean(axis=1)),
        "consistency_majority_correct": (major_a.astype(float), major_b.astype(float)),
    }
    assert [row.metric for row in rows] == list(expected)
    for row in rows:
        col_a, col_b = expected[row.metric]
        boot = paired_bootstrap_difference(_mean, col_a, col_b, n_resamples=RESAMPLES, seed=0)
        assert (row.n, row.value_a) == (N, pytest.approx(col_a.mean()))
        assert row.value_b == pytest.approx(col_b.mean())
        assert (row.ci_low, row.ci_high) == pytest.approx((boot.ci.low, boot.ci.high))
    majority = rows[-1]
    assert majority.test == "mcnemar_exact"
    assert majority.p_value == pytest.approx(mcnemar_exact(major_a, major_b).p_value)
    assert compare_runs(pair_experiments(read["a"], read["c"]), n_resamples=RESAMPLES) == []
