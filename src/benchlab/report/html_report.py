"""report.html: the run on one offline page, from the sortable table down to provenance."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from benchlab.report.analysis import RunAnalysis
from benchlab.report.caption_targets import caption_targets_html
from benchlab.report.comparisons import Comparison, MetricDifference
from benchlab.report.error_analysis import worst_errors
from benchlab.report.html_page import details, esc, image, page, paragraphs, table
from benchlab.report.judge_outputs import JudgeOutput
from benchlab.report.plots import reward_curve_png, training_curve_png
from benchlab.report.position_bias import experiment_position_bias
from benchlab.report.records import ExperimentRecord
from benchlab.report.selection import label
from benchlab.report.tables import metric_warning, truncation_warning
from benchlab.report.wording import amount, describe_comparison, format_metric, format_p, points

__all__ = ["render_html"]

WORST_ERRORS = 8


def _fmt(x: Any, digits: int = 3) -> str:
    return f"{x:.{digits}g}" if isinstance(x, (int, float)) else ("" if x is None else str(x))


def _header(analysis: RunAnalysis) -> str:
    run = analysis.run
    counts = Counter(e.state for e in run.experiments)
    states = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no experiments"
    name = (run.plan.get("config") or {}).get("name") or run.root.name
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(
        f'<a href="#{anchor}">{title}</a>'
        for anchor, title in (
            ("table", "Table"),
            ("plots", "Plots"),
            ("comparisons", "Comparisons"),
            ("questions", "Questions"),
            *((("judge", "Judge"),) if analysis.judges else ()),
            ("experiments", "Experiments"),
            ("provenance", "Provenance"),
        )
    )
    return (
        f"<h1>benchlab report: {esc(name)}</h1>"
        f"<p>{esc(run.root)} · {esc(states)} · profile {esc(run.plan.get('profile', '?'))}"
        f" · generated {esc(stamp)}</p><nav>{nav}</nav>"
    )


def _problems(analysis: RunAnalysis) -> str:
    failed = [e for e in analysis.run.experiments if e.state == "failed"]
    waiting = [e for e in analysis.run.experiments if e.state in ("pending", "running", "stale")]
    parts = []
    if failed:
        items = "".join(
            f"<li><b>{esc(e.experiment_id)}</b>: {esc(e.error or 'no error recorded')}</li>"
            for e in failed
        )
        parts.append(f'<div class="flag"><b>{len(failed)} failed</b><ul>{items}</ul></div>')
    if waiting:
        names = ", ".join(f"{e.experiment_id} ({e.state})" for e in waiting)
        parts.append(f'<div class="note">Not finished: {esc(names)}</div>')
    return "".join(parts)


def _table_section(analysis: RunAnalysis) -> str:
    rows = []
    for record, csv_row in zip(analysis.run.experiments, analysis.rows, strict=True):
        row: dict[str, Any] = {
            "model": record.model,
            "task": record.task,
            "mode": record.mode,
            "shots": (record.results or {}).get("shots"),
            "state": record.state,
        }
        for name, metric in record.headline_metrics.items():
            row[f"{name} [95% CI]"] = (
                f"{_fmt(metric.get('value'))} [{_fmt(metric.get('ci_low'))}, "
                f"{_fmt(metric.get('ci_high'))}]"
            )
        row.update(
            {
                "n": csv_row.get("n"),
                "train s": csv_row.get("train_seconds"),
                "trainable %": csv_row.get("trainable_percent"),
                "p50 ms": csv_row.get("latency_p50_ms"),
                "p95 ms": csv_row.get("latency_p95_ms"),
                "ex/s": csv_row.get("throughput_per_s"),
                "peak RSS MB": csv_row.get("peak_rss_mb"),
                "peak GPU MB": csv_row.get("peak_gpu_mb"),
                "flag / error": csv_row.get("warning") or csv_row.get("error") or "",
                "_class": record.state,
            }
        )
        rows.append(row)
    columns = [
        k
        for k in dict.fromkeys(k for row in rows for k in row)
        if k not in ("_class", "flag / error") and any(row.get(k) not in (None, "") for row in rows)
    ]
    columns.append("flag / error")
    return (
        '<h2 id="table">Comparison table</h2><p>Click a header to sort. Every metric has its '
        "95% bootstrap CI and n; a flag marks a sample too small to carry a claim. Per-group "
        "metrics (per subject, per answer letter) are on each experiment's page below.</p>"
        + table(
            rows,
            columns,
            text_columns=["flag / error"],
            row_class="_class",
            table_id="comparison-table",
        )
    )


def _plots_section(figures: dict[str, bytes]) -> str:
    images = "".join(image(png, name) for name, png in figures.items())
    return f'<h2 id="plots">Plots</h2><div class="grid">{images}</div>'


def _short_verdict(comparison: Comparison, difference: MetricDifference) -> str:
    """A table cell's worth of the verdict; the full sentence follows the table."""
    head = "significant" if difference.significant else "not significant"
    return head if comparison.supports_claim else f"{head}; too small for a claim"


def _comparison_rows(comparisons: list[Comparison]) -> list[dict[str, Any]]:
    rows = []
    for c in comparisons:
        for d in c.differences:
            rows.append(
                {
                    "candidate": c.b.experiment_id,
                    "metric": d.metric,
                    "reference": amount(d, d.value_a),
                    "candidate value": amount(d, d.value_b),
                    "difference (points for shares)": amount(d, d.difference, True),
                    "95% CI": f"{amount(d, d.ci_low, True)} to {amount(d, d.ci_high, True)}",
                    "test": d.test,
                    "p": format_p(d.p_value).removeprefix("p="),
                    "Holm p": format_p(d.p_adjusted).removeprefix("p="),
                    "n": c.n,
                    "MDE (points)": points(c.mde),
                    "verdict": _short_verdict(c, d),
                }
            )
        if not c.differences:
            rows.append({"candidate": c.b.experiment_id, "verdict": "; ".join(c.notes)})
    return rows


def _comparisons_section(analysis: RunAnalysis) -> str:
    total = len(analysis.comparisons)
    parts = [
        '<h2 id="comparisons">Per-task comparisons</h2>',
        f'<p class="note">Differences are candidate minus reference on the example ids both '
        "evaluated. Accuracy: exact McNemar test; other metrics: paired permutation test; "
        f"every metric: paired bootstrap 95% CI ({analysis.n_resamples} resamples). p-values "
        f"are Holm-corrected per metric across all {total} comparisons in this report; "
        "a difference is called significant only when the "
        "adjusted p is below 0.05. A comparison with n &lt; 30 or a CI wider than 20 points is "
        "flagged as unable to support a claim; MDE is the smallest accuracy difference "
        "two samples of n detect with 80% power at alpha 0.05 (conservative for paired data).</p>",
    ]
    for task, comparisons in analysis.per_task.items():
        reference = analysis.baselines[task]
        parts.append(f"<h3>{esc(task)}: reference {esc(label(reference))}</h3>")
        if not comparisons:
            parts.append('<p class="note">only one complete experiment on this task</p>')
            continue
        parts.append(table(_comparison_rows(comparisons), text_columns=["verdict"]))
        parts.append(paragraphs(describe_comparison(c) for c in comparisons))
        flagged = [c for c in comparisons if not c.supports_claim]
        if flagged:
            names = ", ".join(c.b.experiment_id for c in flagged)
            parts.append(
                f'<p class="flag">Too small a sample to support a claim: {esc(names)}.</p>'
            )
    return "".join(parts)


def _questions_section(analysis: RunAnalysis) -> str:
    parts = ['<h2 id="questions">The study\'s questions</h2>']
    if not analysis.answers:
        parts.append('<p class="note">The experiments these questions need are not complete.</p>')
    for answer in analysis.answers:
        parts.append(f"<h3>{esc(answer.question)}</h3>{paragraphs(answer.paragraphs)}")
        if answer.table:
            parts.append(table(answer.table, text_columns=["input", "encoder", "LLM"]))
    return "".join(parts)


def _judge_block(output: JudgeOutput, root: Any) -> str:
    summary = output.summary
    try:
        where = output.folder.relative_to(root)
    except ValueError:
        where = output.folder
    facts = {
        key: summary.get(key)
        for key in ("judge", "reference", "complete", "judged_pairs", "unjudged_pairs")
        if key in summary
    }
    parts = [f"<h3>{esc(where)}</h3>", table([facts], sortable=False) if facts else ""]
    warnings = summary.get("warnings") or []
    if warnings:
        parts.append(paragraphs(warnings, "flag"))
    for name, rows in output.tables.items():
        parts.append(f"<p><b>{esc(name)}</b></p>" + table(rows, text_columns=["warning"]))
    parts.extend(image(png, name) for name, png in output.images.items())
    quality = summary.get("judge_quality")
    if quality:
        parts.append(details("judge quality", f"<pre>{esc(json.dumps(quality, indent=2))}</pre>"))
    return "".join(parts)


def _judge_section(analysis: RunAnalysis) -> str:
    if not analysis.judges:
        return ""
    blocks = "".join(_judge_block(j, analysis.run.root) for j in analysis.judges)
    return f'<h2 id="judge">Judge results</h2>{blocks}'


def _position_bias_block(record: ExperimentRecord) -> str:
    """Multiple choice only: predicted vs gold letter shares and the chi-square verdict."""
    bias = experiment_position_bias(record)
    if bias is None:
        return ""
    rows = [
        {
            "letter": s.letter,
            "predicted": s.predicted,
            "predicted share % of answered": points(s.predicted_share),
            "gold share %": points(s.gold_share),
            "difference (points)": points(s.difference, True),
            "z": "-" if s.z is None else f"{s.z:+.2f}",
        }
        for s in bias.letters
    ]
    test = (
        f"chi-square goodness of fit of predicted letters against the gold distribution: "
        f"statistic {bias.statistic:.3f}, df {len(bias.letters) - 1}, {format_p(bias.p_value)}"
        if bias.statistic is not None
        else "chi-square test undefined"
    )
    return (
        "<p><b>Answer position bias</b></p>"
        + table(rows, sortable=False)
        + f'<p class="note">{esc(test)}; {bias.n_answered} of {bias.n} items answered. z: a '
        "letter's predicted count minus its expected count (gold share × answered), in "
        "binomial standard errors.</p>" + paragraphs([bias.note], "flag" if bias.biased else "note")
    )


def _experiment_body(record: ExperimentRecord) -> str:
    if not record.complete:
        return f"<p>state: {esc(record.state)}</p>" + (
            f'<p class="flag">{esc(record.error)}</p>' if record.error else ""
        )
    lines = []
    for name, metric in record.metrics.items():
        warning = metric_warning(metric)
        flag = f' <span class="warn">⚠ {esc(warning)}</span>' if warning else ""
        lines.append(f"<li>{esc(name)}: {esc(format_metric(metric))}{flag}</li>")
    truncated = truncation_warning(record)
    parts = [f'<p class="flag">⚠ {esc(truncated)}</p>' if truncated else ""]
    parts += [f"<ul>{''.join(lines)}</ul>", _position_bias_block(record), '<div class="grid">']
    confusion = record.files.error_analysis / "confusion_matrix.png"
    if confusion.is_file():
        parts.append(image(confusion.read_bytes(), f"confusion matrix {record.experiment_id}"))
    curve = training_curve_png(record)
    if curve is not None:
        parts.append(image(curve, f"training curve {record.experiment_id}"))
    rewards = reward_curve_png(record)
    if rewards is not None:
        parts.append(image(rewards, f"preference rewards {record.experiment_id}"))
    parts.append("</div>")
    errors = worst_errors(record.predictions, WORST_ERRORS)
    if errors:
        rows = [
            {
                "id": e.get("id"),
                "input": " ".join(str(e.get("input", "")).split())[:200],
                "gold": e.get("gold"),
                "prediction": e.get("prediction"),
            }
            for e in errors
        ]
        parts.append("<p><b>Most confident errors</b></p>" + table(rows, text_columns=["input"]))
    elif record.predictions:
        parts.append("<p>No errors.</p>")
    return "".join(parts)


def _experiments_section(analysis: RunAnalysis) -> str:
    blocks = "".join(
        details(f"{e.experiment_id} ({e.state})", _experiment_body(e))
        for e in analysis.run.experiments
    )
    return f'<h2 id="experiments">Experiments</h2>{blocks}'


def _provenance_section(analysis: RunAnalysis) -> str:
    rows = []
    shared: dict[str, Any] = {}
    for record in analysis.run.complete:
        provenance = (record.results or {}).get("provenance") or {}
        rows.append(
            {
                "experiment": record.experiment_id,
                "spec hash": (record.results or {}).get("spec_hash"),
                "model fingerprint": provenance.get("model_fingerprint"),
                "data fingerprint": json.dumps(provenance.get("data_fingerprint")),
                "seed": (record.results or {}).get("seed"),
                "started": (record.results or {}).get("started_at"),
                "finished": (record.results or {}).get("finished_at"),
            }
        )
        for key in ("git", "hardware", "packages"):
            shared.setdefault(key, provenance.get(key))
    config_path = analysis.run.plan.get("config_path")
    parts = ['<h2 id="provenance">Provenance</h2>']
    if config_path:
        parts.append(f"<p>config: <code>{esc(config_path)}</code></p>")
    parts.append(table(rows, text_columns=["model fingerprint", "data fingerprint"]))
    for key, value in shared.items():
        if value:
            parts.append(details(key, f"<pre>{esc(json.dumps(value, indent=2))}</pre>"))
    return "".join(parts)


def render_html(analysis: RunAnalysis, figures: dict[str, bytes], extra: str = "") -> str:
    """The complete self-contained page (`extra`: further sections, e.g. compression)."""
    body = "".join(
        (
            _header(analysis),
            _problems(analysis),
            _table_section(analysis),
            _plots_section(figures),
            caption_targets_html(analysis.run.experiments),
            _comparisons_section(analysis),
            extra,
            _questions_section(analysis),
            _judge_section(analysis),
            _experiments_section(analysis),
            _provenance_section(analysis),
        )
    )
    name = (analysis.run.plan.get("config") or {}).get("name") or analysis.run.root.name
    return page(f"benchlab report: {name}", body)
