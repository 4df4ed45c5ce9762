"""The study's questions, answered from whatever experiments exist, in words the tests allow.

Each question first names the pairs it needs (so all of them are Holm-corrected together with
the per-task baseline comparisons), then writes its paragraphs from the computed comparisons.
A question whose experiments are missing is skipped, not guessed.
"""

from __future__ import annotations

from collections.abc import Callable

from benchlab.report.answer import Answer
from benchlab.report.comparisons import Comparison, ComparisonBook
from benchlab.report.efficiency import efficiency_answer
from benchlab.report.reasoning_grid import grid_answer, grid_pairs
from benchlab.report.records import ExperimentRecord, RunRecords
from benchlab.report.selection import (
    FINE_TUNING_METHODS,
    best,
    headline_value,
    is_encoder_finetune,
    label,
)
from benchlab.report.struggles import struggles_answer, struggles_pairs
from benchlab.report.wording import describe_comparison, points

__all__ = ["MARGIN", "answer_questions", "question_pairs"]

MARGIN = 0.02

Pair = tuple[ExperimentRecord, ExperimentRecord]


def _on_task(run: RunRecords, task: str) -> list[ExperimentRecord]:
    return [r for r in run.complete if r.task == task]


def _lora_pairs(run: RunRecords) -> list[Pair]:
    pairs = []
    for task in run.tasks():
        records = _on_task(run, task)
        encoder = best(records, is_encoder_finetune)
        lora = best(records, lambda r: r.model_kind != "encoder" and r.method in {"lora", "qlora"})
        if encoder and lora:
            pairs.append((encoder, lora))
    return pairs


def _few_shot_pairs(run: RunRecords) -> list[Pair]:
    pairs = []
    for task in run.tasks():
        records = _on_task(run, task)
        tuned = best(records, lambda r: r.method in FINE_TUNING_METHODS)
        few = best(records, lambda r: r.method == "few_shot")
        if tuned and few:
            pairs.append((tuned, few))
    return pairs


def _size_groups(run: RunRecords) -> list[list[ExperimentRecord]]:
    """Experiments of one task and mode on models of different sizes, smallest first."""
    groups = []
    for task in run.tasks():
        for mode in dict.fromkeys(r.mode for r in _on_task(run, task)):
            same = [r for r in _on_task(run, task) if r.mode == mode and r.total_parameters]
            if len({r.total_parameters for r in same}) >= 2:
                groups.append(sorted(same, key=lambda r: r.total_parameters or 0))
    return groups


def _size_pairs(run: RunRecords) -> list[Pair]:
    return [(group[0], group[-1]) for group in _size_groups(run)]


def question_pairs(run: RunRecords) -> list[Pair]:
    """Every (reference, candidate) pair the questions compare."""
    return [
        *_lora_pairs(run),
        *_few_shot_pairs(run),
        *_size_pairs(run),
        *struggles_pairs(run),
        *grid_pairs(run),
    ]


def _margin_verdict(comparison: Comparison, subject: str, target: str) -> str:
    """Whether B is within MARGIN of A, judged on the whole CI of the difference."""
    primary = comparison.primary
    if primary is None:
        return f"{subject} and {target} cannot be compared item by item."
    low, high, margin = primary.ci_low, primary.ci_high, f"{MARGIN * 100:.0f} points"
    ci = f"95% CI of the difference {points(low, True)} to {points(high, True)} points"
    if low >= -MARGIN and high <= MARGIN:
        return f"Yes: {subject} matches {target} within {margin} ({ci})."
    if high < -MARGIN:
        return f"No: {subject} falls short of {target} by more than {margin} ({ci})."
    if low > MARGIN:
        return f"Better: {subject} exceeds {target} by more than {margin} ({ci})."
    return (
        f"Undecided: the {ci} reaches beyond ±{margin}, so the data cannot tell whether "
        f"{subject} matches {target}."
    )


def _pairwise_answer(
    question: str, pairs: list[Pair], book: ComparisonBook, subject: Callable[[Pair], str]
) -> Answer | None:
    paragraphs = []
    for a, b in pairs:
        comparison = book.get(a, b)
        if comparison is None:
            continue
        verdict = _margin_verdict(comparison, subject((a, b)), label(a))
        paragraphs.append(f"{a.task}: {verdict} {describe_comparison(comparison)}")
    return Answer(question, paragraphs) if paragraphs else None


def _size_answer(run: RunRecords, book: ComparisonBook) -> Answer | None:
    paragraphs = []
    for group in _size_groups(run):
        listing = ", ".join(
            f"{r.model} ({(r.total_parameters or 0) / 1e6:.1f}M parameters): "
            f"{points(headline_value(r))}"
            for r in group
        )
        comparison = book.get(group[0], group[-1])
        sentence = describe_comparison(comparison) if comparison else ""
        metric = group[0].primary_metric or "metric"
        paragraphs.append(
            f"{group[0].task}, {group[0].mode} ({metric}, points): {listing}. {sentence}"
        )
    return Answer("How much does model size matter?", paragraphs) if paragraphs else None


def answer_questions(run: RunRecords, book: ComparisonBook) -> list[Answer]:
    """Answers to every question the run's experiments can address."""
    answers = [
        _pairwise_answer(
            "Can a small LLM with LoRA match a fine-tuned encoder (within 2 points)?",
            _lora_pairs(run),
            book,
            lambda pair: label(pair[1]),
        ),
        _pairwise_answer(
            "Is few-shot prompting competitive with fine-tuning?",
            _few_shot_pairs(run),
            book,
            lambda pair: label(pair[1]),
        ),
        _size_answer(run, book),
        efficiency_answer(run),
        struggles_answer(run, book),
        grid_answer(run, book),
    ]
    return [a for a in answers if a is not None]
