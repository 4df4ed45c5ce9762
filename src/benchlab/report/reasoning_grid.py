"""The reasoning study's 2x2: plain vs scratchpad prompting, base vs fine-tuned model.

Found from the modes alone, per model and task: the plain cell is the zero-shot experiment, the
scratchpad cell a scratchpad mode without a base (or on the zero-shot one), the fine-tuned cell a
training mode, and the fourth a scratchpad mode whose `base_mode` is that training mode. Four
paired comparisons on the same items answer it: each factor within each level of the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchlab.report.answer import Answer
from benchlab.report.comparisons import ComparisonBook
from benchlab.report.records import ExperimentRecord, RunRecords
from benchlab.report.selection import FINE_TUNING_METHODS
from benchlab.report.wording import describe_comparison, format_metric

__all__ = ["ReasoningGrid", "grid_answer", "grid_pairs", "reasoning_grids"]

Pair = tuple[ExperimentRecord, ExperimentRecord]
_SCRATCHPAD = "scratchpad"


@dataclass(frozen=True)
class ReasoningGrid:
    """The four cells of one model and task."""

    plain: ExperimentRecord
    scratchpad: ExperimentRecord
    tuned: ExperimentRecord
    tuned_scratchpad: ExperimentRecord

    def pairs(self) -> list[Pair]:
        """Scratchpad within base and tuned; tuning within plain and scratchpad prompting."""
        return [
            (self.plain, self.scratchpad),
            (self.tuned, self.tuned_scratchpad),
            (self.plain, self.tuned),
            (self.scratchpad, self.tuned_scratchpad),
        ]


def _base_mode(record: ExperimentRecord) -> str | None:
    spec = (record.results or {}).get("provenance", {}).get("spec", {})
    return (spec.get("mode") or {}).get("base_mode")


def reasoning_grids(run: RunRecords) -> list[ReasoningGrid]:
    """Every complete 2x2 in the run, one per model and task (first match of each cell)."""
    grids = []
    for task in run.tasks():
        for model in dict.fromkeys(r.model for r in run.complete if r.task == task):
            same = [r for r in run.complete if r.task == task and r.model == model]
            by_mode = {r.mode: r for r in same}
            plain = next((r for r in same if r.method == "zero_shot" and not _base_mode(r)), None)
            if plain is None:
                continue
            pads = [r for r in same if r.method == _SCRATCHPAD]
            untuned = [r for r in pads if _base_mode(r) in (None, plain.mode)]
            tuned_pads = [
                r
                for r in pads
                if _base_mode(r) in by_mode and by_mode[_base_mode(r)].method in FINE_TUNING_METHODS
            ]
            if untuned and tuned_pads:
                tuned = by_mode[_base_mode(tuned_pads[0])]  # type: ignore[index]
                grids.append(ReasoningGrid(plain, untuned[0], tuned, tuned_pads[0]))
    return grids


def grid_pairs(run: RunRecords) -> list[Pair]:
    """The pairs every 2x2 compares."""
    return [pair for grid in reasoning_grids(run) for pair in grid.pairs()]


def grid_answer(run: RunRecords, book: ComparisonBook) -> Answer | None:
    """Each cell's headline metric with its CI and n, then the four paired comparisons."""
    paragraphs, table = [], []
    for grid in reasoning_grids(run):
        cells = (
            ("base", "plain prompt", grid.plain),
            ("base", "scratchpad", grid.scratchpad),
            (f"fine-tuned ({grid.tuned.mode})", "plain prompt", grid.tuned),
            (f"fine-tuned ({grid.tuned.mode})", "scratchpad", grid.tuned_scratchpad),
        )
        for model_cell, prompt_cell, record in cells:
            metric = record.primary_metric or ""
            table.append(
                {
                    "task": record.task,
                    "model": f"{record.model}, {model_cell}",
                    "prompt": prompt_cell,
                    "experiment": record.experiment_id,
                    "metric": metric,
                    "value [95% CI], n": format_metric(record.metrics.get(metric, {})),
                }
            )
        for a, b in grid.pairs():
            comparison = book.get(a, b)
            if comparison is not None:
                paragraphs.append(f"{a.task}: {describe_comparison(comparison)}")
    if not table:
        return None
    return Answer(
        "Do a scratchpad prompt and fine-tuning on reasoning traces help (the 2x2)?",
        paragraphs,
        table,
    )
