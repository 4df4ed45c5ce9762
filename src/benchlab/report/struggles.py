"""Where LLMs struggle compared with encoders: accuracy by gold label and the shared errors.

Per-label accuracies are descriptive (no test per label; a label with few items is flagged);
the overall difference is the paired, Holm-corrected comparison of the best LLM against the
best encoder of the task.
"""

from __future__ import annotations

from collections import defaultdict

from benchlab.report.answer import Answer
from benchlab.report.comparisons import ComparisonBook
from benchlab.report.paired_metrics import AlignedPair, align
from benchlab.report.records import ExperimentRecord, RunRecords
from benchlab.report.selection import best, label
from benchlab.report.wording import describe_comparison

__all__ = ["accuracy_by_label", "struggles_answer", "struggles_pairs"]

SMALL_LABEL = 30
EXAMPLES_SHOWN = 5


def struggles_pairs(run: RunRecords) -> list[tuple[ExperimentRecord, ExperimentRecord]]:
    """Per task: (best encoder experiment, best LLM experiment)."""
    pairs = []
    for task in run.tasks():
        records = [r for r in run.complete if r.task == task]
        encoder = best(records, lambda r: r.model_kind == "encoder")
        llm = best(records, lambda r: r.model_kind not in ("encoder", ""))
        if encoder and llm:
            pairs.append((encoder, llm))
    return pairs


def accuracy_by_label(pair: AlignedPair) -> dict[str, tuple[int, float, float]]:
    """Gold label -> (n, accuracy of A, accuracy of B) on the shared items."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row_a, row_b in zip(pair.a, pair.b, strict=True):
        if not isinstance(row_a.get("correct"), bool) or not isinstance(row_b.get("correct"), bool):
            continue
        entry = counts[str(row_a.get("gold"))]
        entry[0] += 1
        entry[1] += row_a["correct"]
        entry[2] += row_b["correct"]
    return {gold: (n, a / n, b / n) for gold, (n, a, b) in counts.items()}


def _shorten(text: object, limit: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _task_paragraph(
    encoder: ExperimentRecord, llm: ExperimentRecord, book: ComparisonBook
) -> tuple[str, list[dict[str, str]]]:
    pair = align(encoder, llm)
    by_label = accuracy_by_label(pair)
    parts = []
    if by_label:
        gaps = sorted(by_label.items(), key=lambda item: item[1][2] - item[1][1])
        gold, (n, acc_enc, acc_llm) = gaps[0]
        small = f" (only {n} items: descriptive)" if n < SMALL_LABEL else ""
        parts.append(
            f"{label(llm)} does worst relative to {label(encoder)} on gold label '{gold}': "
            f"{acc_llm * 100:.0f}% vs {acc_enc * 100:.0f}% correct, n={n}{small}."
        )
    comparison = book.get(encoder, llm)
    rows: list[dict[str, str]] = []
    if comparison is not None and comparison.both_wrong is not None:
        parts.append(
            f"Of {comparison.n} shared items both get {comparison.both_wrong} wrong, only the "
            f"LLM misses {comparison.a_only}, only the encoder misses {comparison.b_only}."
        )
        for row_a, row_b in zip(pair.a, pair.b, strict=True):
            if row_a.get("correct") is False and row_b.get("correct") is False:
                rows.append(
                    {
                        "task": encoder.task,
                        "id": str(row_a.get("id")),
                        "input": _shorten(row_a.get("input")),
                        "gold": str(row_a.get("gold")),
                        "encoder": f"{label(encoder)}: {row_a.get('prediction')}",
                        "LLM": f"{label(llm)}: {row_b.get('prediction')}",
                    }
                )
                if len(rows) == EXAMPLES_SHOWN:
                    break
    if comparison is not None:
        parts.append(describe_comparison(comparison))
    return f"{encoder.task}: " + " ".join(parts), rows


def struggles_answer(run: RunRecords, book: ComparisonBook) -> Answer | None:
    """Per task: the label with the largest LLM deficit, shared errors, the paired test."""
    paragraphs, table = [], []
    for encoder, llm in struggles_pairs(run):
        paragraph, rows = _task_paragraph(encoder, llm, book)
        paragraphs.append(paragraph)
        table.extend(rows)
    if not paragraphs:
        return None
    return Answer("Where do LLMs struggle compared with encoders?", paragraphs, table)
