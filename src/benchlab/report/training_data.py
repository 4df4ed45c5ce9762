"""Composition of every training file a run's experiments used (a mode's `data:`).

One CSV (rows, share, word lengths per source) and one bar chart per distinct file, written
under analysis/training_data/, the charts also shown in report.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchlab.errors import BenchlabError
from benchlab.report.records import ExperimentRecord

__all__ = ["training_files", "write_training_compositions"]


def training_files(records: Sequence[ExperimentRecord]) -> list[Path]:
    """Distinct existing `data:` files named by the modes of complete experiments."""
    found: dict[Path, None] = {}
    for record in records:
        spec = ((record.results or {}).get("provenance") or {}).get("spec") or {}
        data = (spec.get("mode") or {}).get("data")
        if isinstance(data, str) and Path(data).is_file():
            found[Path(data)] = None
    return list(found)


def write_training_compositions(
    records: Sequence[ExperimentRecord], folder: Path
) -> dict[str, bytes]:
    """Write each training file's composition by source; return the charts by file name."""
    from benchlab.data import composition, read_rows, write_composition_csv, write_composition_plot

    charts: dict[str, bytes] = {}
    for path in training_files(records):
        try:
            rows = read_rows(path)
            table = composition(
                rows, ["source"], lambda text: len(text.split()), unit="words", source=str(path)
            )
        except BenchlabError:  # an empty or unreadable file: nothing to tabulate
            continue
        stem = f"training_data_{path.stem}"
        write_composition_csv(table, folder / "training_data" / f"{stem}.csv")
        chart = folder / "training_data" / f"{stem}.png"
        write_composition_plot(table, chart)
        charts[f"{stem}.png"] = chart.read_bytes()
    return charts
