"""Builds a run's analysis folder from whatever experiments are complete."""

from __future__ import annotations

from pathlib import Path

from benchlab.report.tables import comparison_rows, write_comparison_csv
from benchlab.runner.layout import RunLayout

__all__ = ["build_report"]


def build_report(run_dir: Path, baseline: str | None = None) -> Path:
    """Write analysis/comparison_table.csv (and the rest of the report); return the folder."""
    layout = RunLayout(Path(run_dir))
    layout.analysis.mkdir(parents=True, exist_ok=True)
    rows = comparison_rows(layout)
    write_comparison_csv(rows, layout.analysis / "comparison_table.csv")
    return layout.analysis
