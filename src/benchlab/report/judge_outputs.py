"""Judge results found inside a run directory, embedded as the judge wrote them.

The judge (benchlab.judge.report) leaves `judge_results.json` next to its table CSV and plot
PNG. The report does not re-derive anything from them: it shows the summary's headline fields
and warnings, every CSV as a table and every PNG as an image.
"""

from __future__ import annotations

import csv
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["JudgeOutput", "find_judge_outputs"]

SUMMARY_NAME = "judge_results.json"
MAX_TABLE_ROWS = 200


@dataclass(frozen=True)
class JudgeOutput:
    """One judge output folder: its summary and the tables and figures beside it."""

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, list[dict[str, str]]]
    images: dict[str, bytes]


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(itertools.islice(csv.DictReader(handle), MAX_TABLE_ROWS))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


def _load(summary_path: Path) -> JudgeOutput | None:
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = summary_path.parent
    tables = {p.name: _read_csv(p) for p in sorted(folder.glob("*.csv"))}
    images = {p.name: p.read_bytes() for p in sorted(folder.glob("*.png"))}
    return JudgeOutput(folder, summary if isinstance(summary, dict) else {}, tables, images)


def find_judge_outputs(run_dir: Path) -> list[JudgeOutput]:
    """Every folder under the run (the report's own analysis/ aside) holding judge results."""
    root = Path(run_dir)
    found = []
    for path in sorted(root.rglob(SUMMARY_NAME)):
        if (root / "analysis") in path.parents:
            continue
        output = _load(path)
        if output is not None:
            found.append(output)
    return found
