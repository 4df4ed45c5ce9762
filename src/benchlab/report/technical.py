"""The technical report: the run written up in prose order, as Markdown and as one HTML page.

Abstract (generated from the results, with CIs), setup, method, results, comparisons and the
study's questions, published figures beside measured ones, efficiency, limitations and a
reproducibility appendix. Every number comes from the run's records through the same analysis
as report.html; nothing is typed in by hand.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from benchlab.record.atomic import write_text_atomic
from benchlab.report.analysis import RunAnalysis
from benchlab.report.published import load_published, side_by_side
from benchlab.report.records import ExperimentRecord
from benchlab.report.selection import best, label
from benchlab.report.technical_doc import (
    Paragraph,
    Section,
    Table,
    fmt,
    render_html,
    render_markdown,
)
from benchlab.report.technical_results import (
    comparisons_section,
    efficiency_section,
    limitations_section,
    published_section,
    reproducibility_section,
    results_section,
)
from benchlab.report.wording import describe_comparison

__all__ = ["FORMATS", "technical_sections", "write_technical_report"]

FORMATS = ("md", "html")
_SCORING = {
    "classification": "accuracy, F1 (binary or macro) and MCC; causal models score "
    "each label's verbalizer by log-likelihood after the prompt, encoders use their trained head",
    "multiple_choice": "acc and acc_norm (log-likelihood of each choice, raw and normalised, "
    "as lm-evaluation-harness defines them) or the extracted letter when generating",
    "math": "exact match of the final number after normalisation, strict (`#### N`) and flexible "
    "(last number in the answer)",
    "code": "unbiased pass@k over problems, programs executed in benchlab's sandbox",
    "pairwise_judge": "wins, losses and ties against a reference judged by an LLM, per category",
}


def _name(analysis: RunAnalysis) -> str:
    return str((analysis.run.plan.get("config") or {}).get("name") or analysis.run.root.name)


def _metric_phrase(record: ExperimentRecord) -> str:
    name = record.primary_metric or ""
    metric = record.metrics.get(name, {})
    return (
        f"{name} {fmt(metric.get('value'), 3)} (95% CI {fmt(metric.get('ci_low'), 3)}-"
        f"{fmt(metric.get('ci_high'), 3)}, n={metric.get('n', '?')})"
    )


def _abstract(analysis: RunAnalysis) -> Section:
    run = analysis.run
    complete = run.complete
    counts = Counter(e.state for e in run.experiments)
    models = sorted({r.model for r in complete})
    modes = sorted({r.mode for r in complete})
    blocks = [
        Paragraph(
            f"We ran {len(run.experiments)} experiments ({counts.get('complete', 0)} complete"
            + "".join(
                f", {n} {state}" for state, n in sorted(counts.items()) if state != "complete"
            )
            + f") covering {len(models)} model(s) ({', '.join(models) or 'none'}), "
            f"{len(run.tasks())} task(s) and the modes {', '.join(modes) or 'none'}. Every figure "
            "below carries its sample size and a 95% confidence interval."
        )
    ]
    for task in run.tasks():
        on_task = [r for r in complete if r.task == task]
        top = best(on_task)
        if top is None:
            continue
        sentence = f"On {task}, the best experiment was {label(top)}: {_metric_phrase(top)}."
        reference = analysis.baselines.get(task)
        comparison = next((c for c in analysis.per_task.get(task, []) if c.b is top), None)
        if reference is not None and reference is not top and comparison is not None:
            sentence += (
                f" Against the reference {label(reference)}: {describe_comparison(comparison)}"
            )
        blocks.append(Paragraph(sentence))
    if not complete:
        blocks.append(Paragraph("No experiment is complete yet: there is nothing to report.", True))
    return Section("Abstract", blocks)


def _setup(analysis: RunAnalysis) -> Section:
    run, complete = analysis.run, analysis.run.complete
    models: dict[str, dict[str, Any]] = {}
    tasks: dict[str, dict[str, Any]] = {}
    for record in complete:
        spec = ((record.results or {}).get("provenance") or {}).get("spec") or record.spec
        model = spec.get("model") or {}
        models.setdefault(
            record.model,
            {
                "model": record.model,
                "path": model.get("path", ""),
                "kind": record.model_kind,
                "parameters": f"{record.total_parameters:,}" if record.total_parameters else "-",
                "dtype": model.get("dtype", ""),
            },
        )
        profile = spec.get("profile") or {}
        tasks.setdefault(
            record.task,
            {
                "task": record.task,
                "family": (record.results or {}).get("task_family", ""),
                "n evaluated": (record.results or {}).get("n_eval"),
                "eval cap": profile.get("max_eval_examples") or "none",
                "train cap": profile.get("max_train_examples") or "none",
            },
        )
    modes = {}
    for spec in run.plan.get("experiments", []):
        mode = spec.get("mode") or {}
        settings = ", ".join(f"{k}={v}" for k, v in mode.items() if k not in ("name", "type"))
        modes.setdefault(
            mode.get("name"),
            {"mode": mode.get("name"), "type": mode.get("type"), "settings": settings or "-"},
        )
    hardware = (
        next((((r.results or {}).get("provenance") or {}).get("hardware") for r in complete), None)
        or {}
    )
    machine = ", ".join(f"{k}: {v}" for k, v in hardware.items()) or "not recorded"
    return Section(
        "Setup",
        [
            Paragraph(f"Profile {run.plan.get('profile', '?')}; hardware: {machine}."),
            Table(list(models.values()), caption="Models"),
            Table(list(tasks.values()), caption="Tasks and data"),
            Table([m for m in modes.values() if m["mode"]], caption="Modes"),
        ],
    )


def _method(analysis: RunAnalysis) -> Section:
    blocks = []
    families = dict.fromkeys(
        (r.task, str((r.results or {}).get("task_family") or "")) for r in analysis.run.complete
    )
    prompts = []
    for record in analysis.run.complete:
        options = (((record.results or {}).get("provenance") or {}).get("task") or {}).get(
            "options"
        ) or {}
        if options.get("template") and record.task not in {p["task"] for p in prompts}:
            prompts.append({"task": record.task, "prompt template": options["template"]})
    if prompts:
        blocks.append(Table(prompts, caption="Prompt templates (as recorded in provenance)"))
    for task, family in families:
        scoring = _SCORING.get(family, "the task's own metrics")
        blocks.append(Paragraph(f"{task} ({family or 'custom'}): {scoring}."))
    methods = sorted(
        {m.get("ci_method") for r in analysis.run.complete for m in r.metrics.values()} - {None}
    )
    blocks.append(
        Paragraph(
            f"Statistics: every metric has a 95% CI ({', '.join(methods) or 'method not recorded'}"
            f"; {analysis.n_resamples} bootstrap resamples). Paired comparisons use the example "
            "ids both experiments evaluated: exact McNemar for accuracy, a paired permutation "
            "test otherwise, and a paired bootstrap CI of the difference; p-values are "
            "Holm-corrected per metric across all comparisons, and a difference is called "
            "significant only when the adjusted p is below 0.05. Samples under 30 items or CIs "
            "wider than 20 points are flagged as too small to support a claim."
        )
    )
    return Section("Method", blocks)


def technical_sections(analysis: RunAnalysis, figures: dict[str, bytes]) -> list[Section]:
    """Every section of the report, in reading order."""
    config = analysis.run.plan.get("config") or {}
    pairs = side_by_side(analysis.run.complete, load_published(config.get("published")))
    return [
        _abstract(analysis),
        _setup(analysis),
        _method(analysis),
        results_section(analysis, figures),
        *comparisons_section(analysis),
        published_section(pairs),
        efficiency_section(analysis),
        limitations_section(analysis),
        reproducibility_section(analysis),
    ]


def write_technical_report(
    folder: Path, analysis: RunAnalysis, figures: dict[str, bytes], formats: tuple[str, ...]
) -> list[Path]:
    """Write technical_report.md (always, when any format is asked) and .html; return paths."""
    sections = technical_sections(analysis, figures)
    title = f"Technical report: {_name(analysis)}"
    preamble = f"Generated by benchlab from the records of {analysis.run.root.name}."
    written = [Path(folder) / "technical_report.md"]
    write_text_atomic(written[0], render_markdown(title, sections, preamble))
    if "html" in formats:
        written.append(Path(folder) / "technical_report.html")
        write_text_atomic(written[1], render_html(title, sections, preamble))
    return written
