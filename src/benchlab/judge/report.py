"""Files a judging run leaves behind: the table users expect, a W/L/T plot, every verdict.

- `judge_table.csv`: one row per candidate and category plus pooled and weighted overall rows
  (and one pooled row per turn when the prompts are conversations)
- `judge_wlt.png`: stacked win/tie/loss bars per category with the score's 95% CI
- `predictions.jsonl`: each pair with both verdicts and the judge's texts
- `judge_results.json`: the summary the HTML report embeds (metrics, judge quality, cost)
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from benchlab.judge.pairwise import PairwiseMetrics
from benchlab.judge.summary import JudgeOutcome
from benchlab.record.atomic import write_bytes_atomic as _write_atomic
from benchlab.record.jsonsafe import finite_or_none as _finite
from benchlab.record.jsonsafe import json_line
from benchlab.scoring.metric import MetricResult

__all__ = ["TABLE_COLUMNS", "outcome_summary", "write_judge_report"]

TABLE_COLUMNS = (
    "candidate",
    "reference",
    "category",
    "n",
    "wins",
    "losses",
    "ties",
    "unparseable",
    "score",
    "score_ci_low",
    "score_ci_high",
    "win_rate_without_ties",
    "win_rate_ci_low",
    "win_rate_ci_high",
    "win_ratio",
    "win_ratio_ci_low",
    "win_ratio_ci_high",
    "position_flips",
    "weight",
    "warning",
)


def _num(x: float) -> str:
    if math.isnan(x):
        return ""
    return "inf" if math.isinf(x) else f"{x:.4f}"


def _row(
    candidate: str, reference: str, category: str, m: PairwiseMetrics, flips: Any, weight: Any
) -> dict[str, Any]:
    return {
        "candidate": candidate,
        "reference": reference,
        "category": category,
        "n": m.n,
        "wins": m.wins,
        "losses": m.losses,
        "ties": m.ties,
        "unparseable": m.unparseable,
        "score": _num(m.score.value),
        "score_ci_low": _num(m.score.ci_low),
        "score_ci_high": _num(m.score.ci_high),
        "win_rate_without_ties": _num(m.win_rate.value),
        "win_rate_ci_low": _num(m.win_rate.ci_low),
        "win_rate_ci_high": _num(m.win_rate.ci_high),
        "win_ratio": _num(m.win_ratio.value),
        "win_ratio_ci_low": _num(m.win_ratio.ci_low),
        "win_ratio_ci_high": _num(m.win_ratio.ci_high),
        "position_flips": flips,
        "weight": weight,
        "warning": m.warning or "",
    }


def _warning(metric: MetricResult) -> str:
    """The small-sample warning for a metric on a 0-1 scale ("" when none applies)."""
    from benchlab.stats import Interval, small_sample_warning

    if metric.n == 0:
        return "no scored pairs: nothing can be concluded"
    return small_sample_warning(metric.n, Interval(metric.ci_low, metric.ci_high)) or ""


def _table_rows(outcome: JudgeOutcome) -> list[dict[str, Any]]:
    rows = []
    for name, summary in outcome.summaries.items():
        for category, metrics in summary.categories.items():
            weight = summary.weights_used.get(category, 0.0)
            rows.append(
                _row(
                    name,
                    outcome.reference,
                    category,
                    metrics,
                    summary.position_flips[category],
                    f"{weight:.4f}",
                )
            )
        for turn, metrics in summary.turns.items():  # multi-turn studies only
            names = [c for c, t in outcome.category_turns.items() if t == turn]
            flips = sum(summary.position_flips[c] for c in names)
            rows.append(_row(name, outcome.reference, f"turn {turn} (pooled)", metrics, flips, ""))
        rows.append(
            _row(
                name,
                outcome.reference,
                "overall (pooled)",
                summary.overall,
                sum(summary.position_flips.values()),
                "",
            )
        )
        w = summary.weighted_score
        rows.append(
            {
                **dict.fromkeys(TABLE_COLUMNS, ""),
                "candidate": name,
                "reference": outcome.reference,
                "category": "overall (weighted)",
                "n": w.n,
                "score": _num(w.value),
                "score_ci_low": _num(w.ci_low),
                "score_ci_high": _num(w.ci_high),
                "weight": "1.0000",
                "warning": _warning(w),
            }
        )
    return rows


def _metric_json(m: MetricResult) -> dict[str, Any]:
    def clean(x: float) -> float | None:
        return _finite(float(x))

    return {
        "value": clean(m.value),
        "ci_low": clean(m.ci_low),
        "ci_high": clean(m.ci_high),
        "n": m.n,
        "ci_method": m.ci_method,
    }


def outcome_summary(outcome: JudgeOutcome) -> dict[str, Any]:
    """The JSON summary of a run (everything except the per-pair records)."""
    candidates = {}
    for name, s in outcome.summaries.items():
        candidates[name] = {
            "categories": {
                c: {**m.to_json(), "position_flips": s.position_flips[c]}
                for c, m in s.categories.items()
            },
            "overall": s.overall.to_json(),
            "weighted_score": _metric_json(s.weighted_score),
            "weights_used": s.weights_used,
        }
        if s.turns:  # a multi-turn study: each turn pooled over its categories
            candidates[name]["turns"] = {str(t): m.to_json() for t, m in s.turns.items()}
    bt = None
    if outcome.bradley_terry is not None:
        bt = {
            model: {
                "strength": float(strength),
                "ci_low": float(interval.low),
                "ci_high": float(interval.high),
            }
            for model, (strength, interval) in outcome.bradley_terry.items()
        }
    warnings = [
        f"{name} / {c}: {m.warning}"
        for name, s in outcome.summaries.items()
        for c, m in s.categories.items()
        if m.warning
    ]
    if outcome.stopped_reason:
        warnings.insert(0, f"run stopped early: {outcome.stopped_reason}")
    return {
        "judge": outcome.judge,
        "reference": outcome.reference,
        "templates": outcome.templates,
        "complete": outcome.complete,
        "stopped_reason": outcome.stopped_reason,
        "judged_pairs": len(outcome.records),
        "unjudged_pairs": outcome.unjudged_pairs,
        "candidates": candidates,
        "judge_quality": outcome.quality.to_json(),
        "bradley_terry": bt,
        "cost": outcome.cost,
        "warnings": warnings,
    }


def _plot(outcome: JudgeOutcome, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(outcome.summaries)
    categories = list(next(iter(outcome.summaries.values())).categories) if names else []
    fig, axes = plt.subplots(
        len(names) or 1,
        1,
        figsize=(8, 0.6 * max(len(categories), 1) + 1.4),
        squeeze=False,
        sharex=True,
    )
    for ax, name in zip(axes[:, 0], names, strict=False):
        summary = outcome.summaries[name]
        labels, ys = [], []
        for y, (category, m) in enumerate(summary.categories.items()):
            n = max(m.n, 1)
            win, tie, loss = m.wins / n, m.ties / n, m.losses / n
            ax.barh(y, win, color="#4c9a2a", label="win" if y == 0 else None)
            ax.barh(y, tie, left=win, color="#c8c8c8", label="tie" if y == 0 else None)
            ax.barh(y, loss, left=win + tie, color="#c0392b", label="loss" if y == 0 else None)
            if m.n:
                low = m.score.value - m.score.ci_low
                high = m.score.ci_high - m.score.value
                ax.errorbar(
                    m.score.value,
                    y,
                    xerr=[[low], [high]],
                    fmt="o",
                    color="black",
                    capsize=4,
                    label="score, 95% CI" if y == 0 else None,
                )
            labels.append(f"{category} (n={m.n})" + (" (!)" if m.warning else ""))
            ys.append(y)
        ax.set_yticks(ys, labels)
        ax.axvline(0.5, color="black", linewidth=0.5, linestyle=":")
        ax.set_xlim(0, 1)
        ax.set_title(f"{name} vs {outcome.reference}")
        ax.invert_yaxis()
    axes[-1, 0].set_xlabel("share of pairs (bars); score = (W + T/2)/N (dots)")
    handles, legend_labels = axes[0, 0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, legend_labels, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    _write_atomic(path, buffer.getvalue())


def write_judge_report(
    outcome: JudgeOutcome, output_dir: str | Path, *, predictions: bool = True
) -> dict[str, Path]:
    """Write the table, plot, summary and (unless `predictions` is False) the pair records.

    The matrix runner writes predictions.jsonl itself, so the matrix task passes False.
    Returns the paths written.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "table": out / "judge_table.csv",
        "plot": out / "judge_wlt.png",
        "summary": out / "judge_results.json",
    }
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=TABLE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(_table_rows(outcome))
    _write_atomic(paths["table"], table.getvalue().encode("utf-8"))
    if predictions:
        paths["predictions"] = out / "predictions.jsonl"
        lines = "".join(json_line(r.to_json()) + "\n" for r in outcome.records)
        _write_atomic(paths["predictions"], lines.encode("utf-8"))
    summary = json.dumps(
        _finite(outcome_summary(outcome)), indent=2, ensure_ascii=False, allow_nan=False
    )
    _write_atomic(paths["summary"], summary.encode("utf-8"))
    _plot(outcome, paths["plot"])
    return paths
