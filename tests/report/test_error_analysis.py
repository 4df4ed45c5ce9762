"""Worst errors are the wrong predictions the model was most confident in."""

from __future__ import annotations

from benchlab.report.error_analysis import error_margin, worst_errors


def _row(key: str, gold: str, pred: str, scores: dict | None) -> dict:
    row = {"id": key, "gold": gold, "prediction": pred, "correct": gold == pred}
    if scores is not None:
        row["scores"] = scores
    return row


def test_worst_errors_by_margin() -> None:
    rows = [
        _row("a", "pos", "neg", {"pos": 0.45, "neg": 0.55}),
        _row("b", "pos", "pos", {"pos": 0.9, "neg": 0.1}),
        _row("c", "neg", "pos", {"pos": 0.95, "neg": 0.05}),
        _row("d", "neg", "pos", {"pos": 0.7, "neg": 0.3}),
    ]
    assert [r["id"] for r in worst_errors(rows, 2)] == ["c", "d"]
    assert error_margin(rows[0]) == 0.55 - 0.45


def test_without_scores_keeps_file_order() -> None:
    rows = [_row("x", "a", "b", None), _row("y", "a", "a", None), _row("z", "b", "a", None)]
    assert [r["id"] for r in worst_errors(rows)] == ["x", "z"]
