"""summary_stats.txt: the report's numbers and generated wording as plain text for logs."""

from __future__ import annotations

from benchlab.report.analysis import RunAnalysis
from benchlab.report.position_bias import experiment_position_bias
from benchlab.report.selection import label
from benchlab.report.tables import metric_warning, truncation_warning
from benchlab.report.wording import describe_difference, format_metric

__all__ = ["summary_text"]


def _experiments(analysis: RunAnalysis) -> list[str]:
    lines = ["EXPERIMENTS"]
    for record in analysis.run.experiments:
        if not record.complete:
            error = f": {record.error}" if record.error else ""
            lines.append(f"  {record.experiment_id}  [{record.state}]{error}")
            continue
        lines.append(f"  {record.experiment_id}")
        truncated = truncation_warning(record)
        if truncated:
            lines.append(f"    ! {truncated}")
        for name, metric in record.metrics.items():
            warning = metric_warning(metric)
            lines.append(f"    {name:<10} {format_metric(metric)}")
            if warning:
                lines.append(f"      ! {warning}")
        bias = experiment_position_bias(record)
        if bias is not None:
            lines.append(f"    position bias: {bias.note}")
    return lines


def _comparisons(analysis: RunAnalysis) -> list[str]:
    lines = [
        "",
        f"PAIRED COMPARISONS (candidate - reference on shared ids; Holm across "
        f"{len(analysis.comparisons)} comparisons per metric; significant = adjusted p < 0.05)",
    ]
    for task, comparisons in analysis.per_task.items():
        lines.append(f"  {task}: reference {label(analysis.baselines[task])}")
        for c in comparisons:
            if not c.differences:
                lines.append(f"    {c.b.experiment_id}: not compared ({'; '.join(c.notes)})")
            for d in c.differences:
                lines.append(f"    [{d.metric}] {describe_difference(c, d)}")
    return lines


def _answers(analysis: RunAnalysis) -> list[str]:
    lines = ["", "QUESTIONS"]
    for answer in analysis.answers:
        lines.append(f"  {answer.question}")
        lines.extend(f"    {paragraph}" for paragraph in answer.paragraphs)
    if not analysis.answers:
        lines.append("  (the experiments these questions need are not complete)")
    return lines


def summary_text(analysis: RunAnalysis) -> str:
    """Experiments with CIs and flags, every paired comparison, the answered questions."""
    header = [f"benchlab summary: {analysis.run.root}", ""]
    body = _experiments(analysis) + _comparisons(analysis) + _answers(analysis)
    return "\n".join(header + body) + "\n"
