"""The technical report's later sections: results, comparisons, published figures, efficiency,
limitations and the reproducibility appendix."""

from __future__ import annotations

import json
from typing import Any

from benchlab.report.analysis import RunAnalysis
from benchlab.report.comparisons import Comparison
from benchlab.report.efficiency import peak_memory_gb
from benchlab.report.position_bias import experiment_position_bias
from benchlab.report.published import AS_PUBLISHED, SideBySide
from benchlab.report.selection import label
from benchlab.report.tables import metric_warning
from benchlab.report.technical_doc import Code, Figure, Paragraph, Section, Table, fmt
from benchlab.report.wording import amount, describe_comparison, format_p

__all__ = [
    "comparison_rows",
    "comparisons_section",
    "efficiency_section",
    "limitations_section",
    "metric_rows",
    "published_rows",
    "published_section",
    "reproducibility_section",
    "results_section",
]


def metric_rows(records: list[Any], *, grouped: bool = False) -> list[dict[str, Any]]:
    """One row per metric: value, 95% CI and n as results.json holds them (4 decimals)."""
    rows = []
    for record in records:
        for name, metric in record.metrics.items():
            if ("/" in name) != grouped:
                continue
            rows.append(
                {
                    "experiment": record.experiment_id,
                    "metric": name,
                    "value": fmt(metric.get("value")),
                    "95% CI": f"[{fmt(metric.get('ci_low'))}, {fmt(metric.get('ci_high'))}]",
                    "n": metric.get("n", ""),
                    "flag": metric_warning(metric) or "",
                }
            )
    return rows


def results_section(analysis: RunAnalysis, figures: dict[str, bytes]) -> Section:
    """Every metric of every complete experiment with its CI and n, then the plots."""
    complete = analysis.run.complete
    blocks: list[Any] = [
        Paragraph(
            "Each metric as measured, with its 95% confidence interval and the number of "
            "evaluated items; a flag marks a sample too small to support a claim."
        ),
        Table(metric_rows(complete), caption="Results (headline metrics)"),
    ]
    grouped = metric_rows(complete, grouped=True)
    if grouped:
        blocks.append(Table(grouped, caption="Per-group metrics (subjects, answer letters, rules)"))
    captions = {
        "accuracy_comparison.png": "Headline metric per experiment with its 95% CI",
        "latency_comparison.png": "Latency per example (p50 at batch size 1)",
    }
    blocks.extend(Figure(name, png, captions.get(name, name)) for name, png in figures.items())
    unfinished = [e for e in analysis.run.experiments if not e.complete]
    if unfinished:
        listing = "; ".join(
            f"{e.experiment_id} ({e.state}{': ' + e.error if e.error else ''})" for e in unfinished
        )
        blocks.append(Paragraph(f"Not in the tables (not complete): {listing}.", True))
    return Section("Results", blocks)


def comparison_rows(comparisons: list[Comparison]) -> list[dict[str, Any]]:
    """Paired differences (candidate minus reference) with CI, test, Holm p and verdict."""
    rows = []
    for c in comparisons:
        for d in c.differences:
            verdict = "significant" if d.significant else "not significant"
            rows.append(
                {
                    "candidate": label(c.b),
                    "reference": label(c.a),
                    "metric": d.metric,
                    "difference (points for shares)": amount(d, d.difference, True),
                    "95% CI": f"{amount(d, d.ci_low, True)} to {amount(d, d.ci_high, True)}",
                    "test": d.test,
                    "Holm p": format_p(d.p_adjusted).removeprefix("p="),
                    "n": c.n,
                    "verdict": verdict if c.supports_claim else f"{verdict}; too small a sample",
                }
            )
    return rows


def comparisons_section(analysis: RunAnalysis) -> list[Section]:
    """Per-task comparisons against the reference, then the study's questions."""
    parts: list[Section] = [
        Section(
            "Comparisons",
            [
                Paragraph(
                    f"{len(analysis.comparisons)} paired comparisons, Holm-corrected together. "
                    "Differences are in percentage points on the items both experiments evaluated."
                )
            ],
        )
    ]
    for task, comparisons in analysis.per_task.items():
        reference = analysis.baselines[task]
        blocks: list[Any] = []
        if comparisons:
            blocks.append(Table(comparison_rows(comparisons)))
            blocks.extend(Paragraph(describe_comparison(c)) for c in comparisons)
        else:
            blocks.append(Paragraph("Only one complete experiment on this task."))
        parts.append(Section(f"{task}: against {label(reference)}", blocks, level=3))
    intro = "Each question is answered only from the experiments it needs."
    if not analysis.answers:
        intro = "The experiments these questions need are not complete."
    parts.append(Section("Research questions", [Paragraph(intro)]))
    for answer in analysis.answers:
        blocks = [Paragraph(p) for p in answer.paragraphs]
        if answer.table:
            blocks.append(Table(list(answer.table)))
        parts.append(Section(answer.question, blocks, level=3))
    return parts


def published_rows(pairs: list[SideBySide]) -> list[dict[str, Any]]:
    """Published figure beside the measured one, with every protocol difference flagged."""
    rows = []
    for pair in pairs:
        figure, measured = pair.figure, pair.measured
        source = figure.source
        rows.append(
            {
                "experiment": pair.record.experiment_id,
                "benchmark": figure.benchmark,
                "published": f"{figure.value:g} {figure.unit} ({figure.metric}; {AS_PUBLISHED})",
                "published protocol": figure.protocol or "not stated",
                "source": f"{source.paper}, {source.table} <{source.url}>",
                "measured": (
                    f"{pair.metric} {fmt(measured.get('value'))} [{fmt(measured.get('ci_low'))}, "
                    f"{fmt(measured.get('ci_high'))}], n={measured.get('n')}"
                    if measured
                    else "not measured"
                ),
                "protocol differs": "; ".join(pair.flags) or "no difference recorded",
            }
        )
    return rows


def published_section(pairs: list[SideBySide]) -> Section:
    """The published figures matching the run's models and benchmarks."""
    if not pairs:
        return Section(
            "Published results",
            [Paragraph("No published figure matches this run's models and benchmarks.")],
        )
    return Section(
        "Published results",
        [
            Paragraph(
                f"Figures from papers and model cards, {AS_PUBLISHED}: they are context, not "
                "results of this run; a flagged protocol difference makes the gap uninterpretable."
            ),
            Table(published_rows(pairs)),
        ],
    )


def efficiency_section(analysis: RunAnalysis) -> Section:
    """Training time, latency, throughput and memory, and quality per unit of cost."""
    rows = []
    for r in analysis.run.complete:
        latency = r.cost.get("latency_ms") or {}
        rows.append(
            {
                "experiment": r.experiment_id,
                "train s": fmt(r.training.get("train_seconds"), 1) if r.training else "none",
                "trainable %": fmt(r.training.get("trainable_percent"), 2) if r.training else "-",
                "p50 ms": fmt(latency.get("p50"), 2),
                "p95 ms": fmt(latency.get("p95"), 2),
                "latency n": latency.get("n", "-"),
                "examples/s": fmt(r.cost.get("throughput_examples_per_second"), 1),
                "peak memory GB": fmt(peak_memory_gb(r), 3),
            }
        )
    return Section(
        "Efficiency",
        [
            Paragraph(
                "Latency is per example at batch size 1; throughput is batched evaluation. "
                "Quality per unit of cost is under the research questions."
            ),
            Table(rows),
        ],
    )


def limitations_section(analysis: RunAnalysis) -> Section:
    """What the numbers cannot say: small samples, biases, what was not measured."""
    complete = analysis.run.complete
    blocks: list[Any] = []
    small = sorted(
        {
            r.experiment_id
            for r in complete
            for m in r.headline_metrics.values()
            if metric_warning(m)
        }
    )
    if small:
        blocks.append(Paragraph(f"Too small a sample for a claim: {', '.join(small)}.", True))
    for record in complete:
        bias = experiment_position_bias(record)
        if bias is not None:
            blocks.append(Paragraph(f"Answer position bias, {record.experiment_id}: {bias.note}"))
    if analysis.judges:
        blocks.append(
            Paragraph(
                "Judge results depend on the judge model: see its position-flip "
                "rate and repeat agreement before trusting a win rate.",
                True,
            )
        )
    if all(not r.cost.get("peak_gpu_mb") for r in complete):
        blocks.append(Paragraph("No GPU was used: GPU memory and GPU latency were not measured."))
    capped = sorted(
        {
            str((r.spec.get("profile") or {}).get("max_eval_examples"))
            for r in complete
            if (r.spec.get("profile") or {}).get("max_eval_examples")
        }
    )
    if capped:
        blocks.append(
            Paragraph(
                f"Evaluation sets were capped at {', '.join(capped)} examples "
                "(profile); figures on the full sets may differ."
            )
        )
    blocks.append(
        Paragraph(
            "Not measured: safety, toxicity, calibration and robustness to "
            "prompt wording; results hold for the recorded prompts only."
        )
    )
    return Section("Limitations", blocks)


def reproducibility_section(analysis: RunAnalysis) -> Section:
    """The command, versions, revision and every experiment's fingerprints."""
    plan = analysis.run.plan
    config = plan.get("config") or {}
    rows, shared = [], {}
    for record in analysis.run.complete:
        results = record.results or {}
        provenance = results.get("provenance") or {}
        rows.append(
            {
                "experiment": record.experiment_id,
                "spec hash": results.get("spec_hash"),
                "seed": results.get("seed"),
                "model fingerprint": provenance.get("model_fingerprint"),
                "data fingerprint": json.dumps(provenance.get("data_fingerprint")),
            }
        )
        for key in ("git", "packages"):
            shared.setdefault(key, provenance.get(key))
    command = (
        f"benchlab run {config.get('name', 'CONFIG')}.yaml --profile {plan.get('profile', 'full')}"
    )
    blocks: list[Any] = [
        Paragraph(
            "The same config, seeds, package versions and hardware are meant to reproduce "
            "predictions.jsonl byte for byte; the command and versions follow."
        ),
        Code(command, "bash"),
        Table(rows, caption="Provenance per experiment"),
    ]
    for value in shared.values():
        if value:
            blocks.append(Code(json.dumps(value, indent=2), "json"))
    return Section("Appendix: reproducibility", blocks)
