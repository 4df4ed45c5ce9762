"""Paired comparisons on planted data, against statsmodels' McNemar and Holm as references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from benchlab.report.comparisons import ComparisonBook, apply_holm, compare, flipped
from benchlab.report.records import load_run
from benchlab.report.wording import describe_comparison
from benchlab.stats import minimum_detectable_effect
from tests.report.run_fixtures import planted_predictions, write_experiment, write_plan


def _from_correct(gold: np.ndarray, correct: np.ndarray) -> np.ndarray:
    return np.where(correct, gold, 1 - gold)


def _records(run_dir: Path) -> dict:
    return {r.experiment_id: r for r in load_run(run_dir).experiments}


def test_planted_difference_is_significant_and_matches_statsmodels(tmp_path: Path) -> None:
    gold, pred_a = planted_predictions(400, 0.60, seed=1)
    _, pred_b = planted_predictions(400, 0.80, seed=2, gold=gold)
    write_experiment(tmp_path, "enc_sent_finetune", gold, pred_a)
    write_experiment(tmp_path, "llm_sent_lora", gold, pred_b, kind="causal")
    records = _records(tmp_path)
    [comparison] = apply_holm([compare(records["enc_sent_finetune"], records["llm_sent_lora"])])
    accuracy = comparison.primary
    assert accuracy.metric == "accuracy" and accuracy.test == "McNemar"
    assert accuracy.difference == pytest.approx(0.20)
    a, b = pred_a == gold, pred_b == gold
    table = [[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]]
    assert accuracy.p_value == pytest.approx(mcnemar(table, exact=True).pvalue)
    assert accuracy.ci_low > 0 and accuracy.significant
    assert comparison.supports_claim
    assert "a significant difference" in describe_comparison(comparison)
    assert {d.metric: d.test for d in comparison.differences} == {
        "accuracy": "McNemar",
        "f1": "permutation",
        "mcc": "permutation",
    }
    assert all(d.significant for d in comparison.differences)


def test_identical_systems_are_not_significant(tmp_path: Path) -> None:
    gold, pred = planted_predictions(300, 0.7, seed=3)
    write_experiment(tmp_path, "a_sent_finetune", gold, pred)
    write_experiment(tmp_path, "b_sent_finetune", gold, pred)
    records = _records(tmp_path)
    [comparison] = apply_holm([compare(records["a_sent_finetune"], records["b_sent_finetune"])])
    for difference in comparison.differences:
        assert difference.difference == 0 and difference.p_value == 1.0
        assert not difference.significant
    text = describe_comparison(comparison)
    assert "not a significant difference" in text and "minimum detectable effect" in text


def test_holm_is_applied_across_comparisons(tmp_path: Path) -> None:
    """A raw p of 0.041 is significant alone but not among three comparisons."""
    n = 200
    gold = np.zeros(n, dtype=int)
    both = np.arange(n) < 100
    a_right = both | ((np.arange(n) >= 100) & (np.arange(n) < 105))
    b_right = both | ((np.arange(n) >= 105) & (np.arange(n) < 120))
    write_experiment(tmp_path, "ref_sent_finetune", gold, _from_correct(gold, a_right))
    write_experiment(tmp_path, "cand_sent_lora", gold, _from_correct(gold, b_right))
    write_experiment(tmp_path, "same_sent_lora", gold, _from_correct(gold, a_right))
    write_experiment(tmp_path, "other_sent_lora", gold, _from_correct(gold, a_right))
    r = _records(tmp_path)
    raw = [
        compare(r["ref_sent_finetune"], r[k])
        for k in ("cand_sent_lora", "same_sent_lora", "other_sent_lora")
    ]
    alone = apply_holm(raw[:1])[0].primary
    assert alone.p_value == pytest.approx(0.0414, abs=1e-3) and alone.significant
    together = apply_holm(raw)
    expected = multipletests([c.primary.p_value for c in raw], method="holm")[1]
    assert [c.primary.p_adjusted for c in together] == pytest.approx(list(expected))
    assert not together[0].primary.significant
    assert "not a significant difference" in describe_comparison(together[0])


def test_small_samples_do_not_support_a_claim(tmp_path: Path) -> None:
    gold, pred_a = planted_predictions(12, 0.5, seed=4)
    _, pred_b = planted_predictions(12, 0.75, seed=5, gold=gold)
    write_experiment(tmp_path, "a_tiny_finetune", gold, pred_a)
    write_experiment(tmp_path, "b_tiny_lora", gold, pred_b)
    r = _records(tmp_path)
    [comparison] = apply_holm([compare(r["a_tiny_finetune"], r["b_tiny_lora"])])
    assert not comparison.supports_claim
    expected = minimum_detectable_effect(12, comparison.primary.value_a)
    assert comparison.mde == pytest.approx(expected)
    text = describe_comparison(comparison)
    assert "too small a sample to support a claim" in text
    assert f"minimum detectable effect at 80% power is {expected * 100:.0f} points" in text


def test_pairs_only_on_shared_ids(tmp_path: Path) -> None:
    gold, pred = planted_predictions(100, 0.7, seed=6)
    ids = [f"x-{i}" for i in range(100)]
    write_experiment(tmp_path, "a_sent_finetune", gold, pred, ids=ids)
    write_experiment(tmp_path, "b_sent_lora", gold[50:], pred[50:], ids=ids[50:])
    write_experiment(tmp_path, "c_sent_lora", gold, pred, ids=[f"y-{i}" for i in range(100)])
    r = _records(tmp_path)
    shared = compare(r["a_sent_finetune"], r["b_sent_lora"])
    assert shared.n == 50 and any("50 example ids" in note for note in shared.notes)
    disjoint = compare(r["a_sent_finetune"], r["c_sent_lora"])
    assert disjoint.n == 0 and not disjoint.differences and not disjoint.supports_claim
    assert "not compared" in describe_comparison(disjoint)


def test_book_tests_each_pair_once_and_flips(tmp_path: Path) -> None:
    gold, pred_a = planted_predictions(200, 0.6, seed=7)
    _, pred_b = planted_predictions(200, 0.8, seed=8, gold=gold)
    write_experiment(tmp_path, "a_sent_finetune", gold, pred_a)
    write_experiment(tmp_path, "b_sent_lora", gold, pred_b)
    r = _records(tmp_path)
    book = ComparisonBook(n_resamples=200)
    book.want(r["a_sent_finetune"], r["b_sent_lora"])
    book.want(r["b_sent_lora"], r["a_sent_finetune"])
    book.run()
    assert len(book.all()) == 1
    forward = book.get(r["a_sent_finetune"], r["b_sent_lora"])
    backward = book.get(r["b_sent_lora"], r["a_sent_finetune"])
    assert backward.primary.difference == pytest.approx(-forward.primary.difference)
    assert backward.primary.ci_low == pytest.approx(-forward.primary.ci_high)
    assert flipped(backward).primary.difference == pytest.approx(forward.primary.difference)
    assert backward.a_only == forward.b_only


def test_paired_macro_f1_counts_a_label_no_shared_item_has(tmp_path: Path) -> None:
    """Without label names in provenance, the per-label scores still give the label count."""
    import json

    from sklearn.metrics import f1_score

    from benchlab.report.paired_metrics import align, paired_metric_specs

    labels = ["neg", "pos", "neutral"]  # "neutral" never occurs among these items
    gold, pred_a = planted_predictions(80, 0.7, seed=5)
    _, pred_b = planted_predictions(80, 0.8, seed=6, gold=gold)
    for name, pred in (("bert_sst_finetune", pred_a), ("llama_sst_lora", pred_b)):
        write_experiment(tmp_path, name, gold, pred, labels=labels)
        results = tmp_path / "experiments" / name / "results.json"
        record = json.loads(results.read_text())
        record["provenance"]["task"]["options"].pop("label_names")
        results.write_text(json.dumps(record))
    write_plan(tmp_path, ["bert_sst_finetune", "llama_sst_lora"])
    a, b = load_run(tmp_path).experiments
    (f1,) = [s for s in paired_metric_specs(a, b, align(a, b)) if s.name == "f1"]
    value = float(f1.statistic(f1.gold, f1.pred_a))
    # three labels: macro F1 as scikit-learn and the experiment itself computed it, not the
    # binary F1 of label 1 that two seen labels would give
    assert value == pytest.approx(f1_score(gold, pred_a, average="macro"))
    assert value == pytest.approx(a.metrics["f1"]["value"])
    assert value != pytest.approx(f1_score(gold, pred_a, average="binary"))
