"""Check a LLaVA training file before anyone spends GPU hours on it (reads only, writes nothing).

Every problem names its row (line number for .jsonl, row number for a .json list, and id) and a
kind, so a script can count them. On top of each row's own fields (`structure_problems`) the
file-level checks are: invalid JSON lines, duplicate ids, duplicate content (same image and
turns as an earlier row), image files that are missing or that PIL cannot verify, and reasoning
tags that do not parse as a well-formed trace (only for answers that use the tags at all).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlab.data.llava import ROLES, structure_problems
from benchlab.errors import DataError
from benchlab.scoring.reasoning_trace import STAGES, Trace, parse_trace, trace_summary, untagged

__all__ = ["LlavaCheck", "RowProblem", "check_llava_file", "uses_trace_tags"]


@dataclass(frozen=True)
class RowProblem:
    """One problem of one row: where it is, its id if any, a kind name and a phrase."""

    where: str
    row_id: str | None
    kind: str
    message: str

    def line(self) -> str:
        """'line 3 (id 'x'): missing image ...' as printed by `benchlab data check`."""
        label = f"{self.where} (id {self.row_id!r})" if self.row_id else self.where
        return f"{label}: {self.message}"


@dataclass
class LlavaCheck:
    """What checking a file found: problems, row count, statistics of the well-structured rows."""

    source: str
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    answer_words: list[int] = field(default_factory=list)
    turns_per_row: list[int] = field(default_factory=list)
    stage_rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    traces: list[Trace] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the file is fit to train on: no problems at all."""
        return not self.problems

    def statistics(self) -> dict[str, Any]:
        """Words per answer (tags aside) and turns per row (mean / median / p95 / max), coverage."""
        checked = len(self.turns_per_row)
        traces = trace_summary(self.traces)
        return {
            "rows": self.rows,
            "rows_checked": checked,
            "answer_words": _spread(self.answer_words),
            "turns_per_row": _spread(self.turns_per_row),
            "stage_coverage": {
                name: (count / checked if checked else None)
                for name, count in self.stage_rows.items()
            },
            "answers": len(self.traces),
            "well_formed_traces": traces["well_formed_share"],
        }


def _spread(values: Sequence[int]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None, "p95": None, "max": None}
    ordered = sorted(values)
    return {
        "mean": statistics.fmean(ordered),
        "median": float(statistics.median(ordered)),
        "p95": float(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]),
        "max": float(ordered[-1]),
    }


def uses_trace_tags(text: str) -> bool:
    """Whether an answer uses any of the four stage tags (and so should parse as a trace)."""
    lowered = text.lower()
    return any(f"<{name.lower()}>" in lowered or f"</{name.lower()}>" in lowered for name in STAGES)


def _rows(path: Path, report: LlavaCheck) -> Iterator[tuple[str, Any]]:
    """(where, parsed row); invalid JSON lines become problems instead of stopping the check."""
    if path.suffix.lower() == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                report.rows += 1
                try:
                    yield f"line {number}", json.loads(line)
                except ValueError as error:
                    problem = RowProblem(
                        f"line {number}", None, "invalid_json", f"not JSON: {error}"
                    )
                    report.problems.append(problem)
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise DataError(
            f"{path}: not valid JSON ({error}); fix it or write one row per line (.jsonl)"
        ) from None
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of LLaVA rows, got {type(data).__name__}")
    for number, raw in enumerate(data, start=1):
        report.rows += 1
        yield f"row {number}", raw


def _image_problem(image: Path) -> tuple[str, str] | None:
    """A missing file, or one PIL cannot open and verify."""
    if not image.is_file():
        return "missing_image", f"image file {image} not found"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image) as opened:
            opened.verify()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as error:
        return "unreadable_image", f"image file {image} is unreadable ({error})"
    return None


def _row_id(raw: Any) -> str | None:
    row_id = raw.get("id") if isinstance(raw, dict) else None
    return None if row_id in (None, "") else str(row_id)


def _content_key(raw: dict[str, Any]) -> str:
    return json.dumps([raw.get("image"), raw.get("conversations")], sort_keys=True)


def check_llava_file(path: Path, *, images: Path | None = None) -> LlavaCheck:
    """Check every row of a .jsonl / .json LLaVA file; images default to the file's folder."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix.lower() not in (".json", ".jsonl"):
        raise DataError(f"{path}: unknown format {path.suffix!r}; use .json or .jsonl")
    root = Path(images) if images is not None else path.parent
    if not root.is_dir():
        raise DataError(f"{path}: image folder {root} does not exist; pass --images DIR")
    report = LlavaCheck(str(path))
    first_id: dict[str, str] = {}
    first_content: dict[str, str] = {}
    for where, raw in _rows(path, report):
        row_id = _row_id(raw)
        structure = structure_problems(raw)
        found = list(structure)
        if isinstance(raw, dict):
            found.extend(_file_level(raw, where, root, first_id, first_content))
        report.problems.extend(RowProblem(where, row_id, kind, text) for kind, text in found)
        if not structure:
            _count(raw, report)
    return report


def _file_level(
    raw: dict[str, Any],
    where: str,
    root: Path,
    first_id: dict[str, str],
    first_content: dict[str, str],
) -> list[tuple[str, str]]:
    """Duplicates, the image file and the reasoning tags of one row."""
    found = []
    row_id = raw.get("id")
    if row_id not in (None, ""):
        key = str(row_id)
        if key in first_id:
            found.append(("duplicate_id", f"duplicate id (first at {first_id[key]})"))
        else:
            first_id[key] = where
    content = _content_key(raw)
    if content in first_content:
        found.append(("duplicate_content", f"same image and turns as {first_content[content]}"))
    else:
        first_content[content] = where
    image = raw.get("image")
    if isinstance(image, str) and image.strip():
        problem = _image_problem(root / image)
        if problem is not None:
            found.append(problem)
    turns = raw.get("conversations")
    for number, turn in enumerate(turns if isinstance(turns, list) else [], start=1):
        if not isinstance(turn, dict) or ROLES.get(turn.get("from")) != "assistant":
            continue
        value = turn.get("value")
        if isinstance(value, str) and uses_trace_tags(value):
            trace = parse_trace(value)
            if not trace.valid:
                found.append(("reasoning_tags", f"turn {number}: reasoning tags: {trace.problem}"))
    return found


def _count(raw: dict[str, Any], report: LlavaCheck) -> None:
    """Add a good row to the length statistics and the tag coverage."""
    turns = raw["conversations"]
    report.turns_per_row.append(len(turns))
    answers = [t["value"] for t in turns if ROLES[t["from"]] == "assistant"]
    carried: set[str] = set()
    for answer in answers:
        report.answer_words.append(len(untagged(answer).split()))
        trace = parse_trace(answer)
        report.traces.append(trace)
        carried.update(trace.stages)
    for name in carried:
        report.stage_rows[name] += 1
