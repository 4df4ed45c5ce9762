"""The answer-position-bias table of multiple-choice experiments, checked by hand.

Run: 40 items with gold letters ABCD ten times each, a model predicting A 22 times and B, C, D
6 times each (expected 10 each: chi-square = (12² + 3·4²)/10 = 19.2, df 3); and a 6-item
generation run, gold ABCABC, predicted A A A B - C (one item without a letter): expected 5/3
each, chi-square = ((4/3)² + 2·(2/3)²)/(5/3) = 1.6, df 2, p = e^-0.8, far too few for a claim.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chisquare

from benchlab.report.build import build_report
from benchlab.report.position_bias import position_bias
from tests.report.run_fixtures import write_choice_experiment, write_experiment, write_plan

BIASED = "llama_quiz_zero-shot"
SMALL = "llama_mini_sft"
CLASSIFIER = "bert_sentiment_finetune"
BIASED_PREDICTED = ["A"] * 22 + ["B"] * 6 + ["C"] * 6 + ["D"] * 6
SMALL_PREDICTED = ["A", "A", "A", "B", None, "C"]


def _rows(gold: str, predicted: list[str | None] | str) -> list[dict[str, str | None]]:
    return [{"gold_letter": g, "predicted_letter": p} for g, p in zip(gold, predicted, strict=True)]


def _chi2_sf_df3(x: float) -> float:
    """Survival function of chi-square with 3 degrees of freedom, in closed form."""
    return math.erfc(math.sqrt(x / 2)) + math.sqrt(2 * x / math.pi) * math.exp(-x / 2)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mc-run")
    write_plan(root, [BIASED, SMALL, CLASSIFIER])
    write_choice_experiment(root, BIASED, "ABCD" * 10, BIASED_PREDICTED)
    write_choice_experiment(root, SMALL, "ABCABC", SMALL_PREDICTED, scoring="generate")
    gold = np.array([0, 1] * 20)
    write_experiment(root, CLASSIFIER, gold, gold)
    build_report(root)
    return root


def _experiment_block(page: str, experiment_id: str) -> str:
    start = page.index(f"<summary>{experiment_id} (complete)</summary>")
    return page[start : page.index("</details>", start)]


def _bias_cells(block: str) -> list[list[str]]:
    section = block[block.index("Answer position bias") :]
    section = section[: section.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", section)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows if "<td" in row]


def test_biased_experiment_table_matches_the_hand_computation(run_dir: Path) -> None:
    page = (run_dir / "analysis" / "report.html").read_text()
    block = _experiment_block(page, BIASED)
    z_a, z_other = 12 / math.sqrt(10 * 0.75), -4 / math.sqrt(10 * 0.75)
    assert _bias_cells(block) == [
        ["A", "22", "55.0", "25.0", "+30.0", f"{z_a:+.2f}"],
        ["B", "6", "15.0", "25.0", "-10.0", f"{z_other:+.2f}"],
        ["C", "6", "15.0", "25.0", "-10.0", f"{z_other:+.2f}"],
        ["D", "6", "15.0", "25.0", "-10.0", f"{z_other:+.2f}"],
    ]
    assert "statistic 19.200, df 3, p&lt;0.001" in block
    assert '<p class="flag">Predicted letters differ from the gold distribution' in block
    # only A is named: B, C and D are each within 1.96 standard errors of their gold share
    assert "A predicted 55.0% vs gold 25.0% (+30.0 points, z=+4.4)" in block
    assert "B predicted" not in block


def test_chi_square_p_agrees_with_scipy_and_the_closed_form() -> None:
    bias = position_bias(_rows("ABCD" * 10, BIASED_PREDICTED))
    assert bias is not None and bias.biased
    reference = chisquare([22, 6, 6, 6], [10, 10, 10, 10])
    assert bias.statistic == pytest.approx(19.2, abs=1e-12)
    assert bias.statistic == pytest.approx(reference.statistic, abs=1e-12)
    assert bias.p_value == pytest.approx(reference.pvalue, rel=1e-12)
    assert bias.p_value == pytest.approx(_chi2_sf_df3(19.2), rel=1e-9)


def test_small_generation_run_says_nothing_can_be_concluded(run_dir: Path) -> None:
    page = (run_dir / "analysis" / "report.html").read_text()
    block = _experiment_block(page, SMALL)
    z_a = (3 - 5 / 3) / math.sqrt(5 / 3 * 2 / 3)
    z_b = (1 - 5 / 3) / math.sqrt(5 / 3 * 2 / 3)
    assert _bias_cells(block) == [
        ["A", "3", "60.0", "33.3", "+26.7", f"{z_a:+.2f}"],
        ["B", "1", "20.0", "33.3", "-13.3", f"{z_b:+.2f}"],
        ["C", "1", "20.0", "33.3", "-13.3", f"{z_b:+.2f}"],
    ]
    assert "statistic 1.600, df 2, p=0.45" in block and "5 of 6 items answered" in block
    assert '<p class="note">Too few items for the chi-square test (only 5 answered items' in block
    assert "nothing can be concluded about position bias" in block
    assert "(left out: 1 without an extracted letter)" in block
    bias = position_bias(_rows("ABCABC", SMALL_PREDICTED))
    assert bias is not None and not bias.biased
    assert bias.p_value == pytest.approx(math.exp(-0.8), rel=1e-9)
    assert bias.p_value == pytest.approx(chisquare([3, 1, 1]).pvalue, rel=1e-12)


def test_summary_and_rule_counts_reach_the_report(run_dir: Path) -> None:
    summary = (run_dir / "analysis" / "summary_stats.txt").read_text()
    assert "position bias: Predicted letters differ" in summary
    assert "position bias: Too few items" in summary
    page = (run_dir / "analysis" / "report.html").read_text()
    assert "extraction_rule/answer_colon: 5.000" in _experiment_block(page, SMALL)


def test_only_multiple_choice_experiments_get_the_table(run_dir: Path) -> None:
    page = (run_dir / "analysis" / "report.html").read_text()
    assert "Answer position bias" not in _experiment_block(page, CLASSIFIER)
    assert page.count("Answer position bias") == 2


def test_a_letter_never_gold_leaves_the_test_undefined() -> None:
    bias = position_bias(_rows("AB" * 20, "E" + "AB" * 19 + "A"))
    assert bias is not None and bias.p_value is None and not bias.biased
    assert [s.letter for s in bias.letters] == ["A", "B", "E"]
    assert "E are never the gold answer" in bias.note
    assert position_bias([{"prediction": "A"}]) is None
