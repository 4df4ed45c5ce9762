"""Builds a run's analysis folder from whatever experiments are complete.

analysis/comparison_table.csv, accuracy_comparison.png, latency_comparison.png,
summary_stats.txt and report.html (self-contained), each complete experiment's error_analysis/
(errors.csv, confusion_matrix.png), consistency figures where the consistency pass ran, the
composition of every training file (analysis/training_data/) and, with formats,
technical_report.md / .html. Safe to run on a partial or failed run and again at any time:
every file is rewritten atomically.
"""

from __future__ import annotations

from pathlib import Path

from benchlab.record.atomic import write_bytes_atomic, write_text_atomic
from benchlab.record.layout import RunLayout
from benchlab.report.analysis import analyse_run
from benchlab.report.compression_section import compression_section
from benchlab.report.consistency_files import write_consistency_figures
from benchlab.report.error_analysis import refresh_error_analysis
from benchlab.report.html_report import render_html
from benchlab.report.plots import latency_bars_png, metric_bars_png
from benchlab.report.summary_text import summary_text
from benchlab.report.tables import write_comparison_csv
from benchlab.report.technical import write_technical_report
from benchlab.report.training_data import write_training_compositions

__all__ = ["build_report"]


def build_report(run_dir: Path, baseline: str | None = None, formats: tuple[str, ...] = ()) -> Path:
    """Write every analysis/ file for the run (and the technical report in `formats`)."""
    layout = RunLayout(Path(run_dir))
    layout.analysis.mkdir(parents=True, exist_ok=True)
    analysis = analyse_run(layout.root, baseline)
    write_comparison_csv(analysis.rows, layout.analysis / "comparison_table.csv")
    complete = analysis.run.complete
    for record in complete:  # per experiment: errors.csv, confusion_matrix.png
        refresh_error_analysis(
            record.predictions,
            record.files.predictions,
            record.files.error_analysis,
            labels=record.label_names,
            title=record.experiment_id,
        )
    figures = {
        "accuracy_comparison.png": metric_bars_png(complete),
        "latency_comparison.png": latency_bars_png(complete),
    }
    for name, png in figures.items():
        write_bytes_atomic(layout.analysis / name, png)
    figures.update(write_consistency_figures(complete))  # in the experiment folders
    figures.update(write_training_compositions(complete, layout.analysis))
    write_text_atomic(layout.analysis / "summary_stats.txt", summary_text(analysis))
    extra = compression_section(layout.root, layout.analysis)
    write_text_atomic(layout.analysis / "report.html", render_html(analysis, figures, extra))
    if formats:
        write_technical_report(layout.analysis, analysis, figures, formats)
    return layout.analysis
