"""The report's compression section: accuracy change vs size and latency per scheme, verdicts.

Writes analysis/compression.csv, compression.json and compression.png when the run has
quantized variants, and returns the HTML section (empty when it has none).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from benchlab.errors import DataError
from benchlab.record.atomic import write_bytes_atomic, write_json_atomic, write_text_atomic
from benchlab.report.compression import (
    EXAMPLES,
    QUANTIZATION_FILE,
    CompressionRow,
    Flip,
    compression_rows,
)
from benchlab.report.html_page import details, esc, image, paragraphs, table

__all__ = ["compression_plot_png", "compression_section", "write_compression_files"]

_CSV_FIELDS = (
    "variant",
    "parent",
    "scheme",
    "comparison_n",
    "comparison_value_a",
    "comparison_value_b",
    "comparison_difference",
    "comparison_ci_low",
    "comparison_ci_high",
    "comparison_p_value",
    "comparison_p_holm",
    "right_to_wrong",
    "wrong_to_right",
    "largest_score_change",
    "size_on_disk_mb",
    "size_ratio",
    "memory_mb",
    "memory_ratio",
    "load_seconds",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_ratio",
    "throughput",
    "speed_ratio",
    "verdict",
)


def compression_plot_png(rows: list[CompressionRow]) -> bytes:
    """Accuracy change (points, with its CI) against size ratio and latency ratio per variant."""
    from benchlab.report.plots import _png, _pyplot

    plt = _pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for axis, key, title in (
        (axes[0], "size_ratio", "size on disk / parent"),
        (axes[1], "latency_ratio", "latency p50 / parent"),
    ):
        for row in rows:
            x = row.costs.get(key)
            if x is None:
                continue
            c = row.comparison
            y = 100 * c.difference
            axis.errorbar(
                [x], [y], yerr=[[y - 100 * c.ci_low], [100 * c.ci_high - y]], fmt="o", capsize=3
            )
            axis.annotate(row.label, (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
        axis.axhline(0, color="#888888", linewidth=0.8)
        axis.set_xlabel(title)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel(f"{rows[0].comparison.metric} change vs parent (points)" if rows else "")
    figure.suptitle("Quantized variants: accuracy change vs size and latency (95% CI)")
    figure.tight_layout()
    return _png(figure)


def write_compression_files(analysis_dir: Path, rows: list[CompressionRow]) -> bytes:
    """compression.csv / .json / .png in the analysis folder; the PNG bytes."""
    records = [row.to_json() for row in rows]
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(_CSV_FIELDS), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(records)
    write_text_atomic(analysis_dir / "compression.csv", buffer.getvalue())
    write_json_atomic(analysis_dir / "compression.json", {"variants": records})
    png = compression_plot_png(rows)
    write_bytes_atomic(analysis_dir / "compression.png", png)
    return png


def _number(value: Any, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def _flip_list(flips: list[Flip]) -> str:
    rows = [
        {
            "item": f.id,
            "input": f.input[:160],
            "gold": f.gold,
            "parent": f.parent,
            "variant": f.variant,
        }
        for f in flips[:EXAMPLES]
    ]
    return table(rows, text_columns=["item", "input", "gold", "parent", "variant"]) if rows else ""


def compression_section(run_dir: Path, analysis_dir: Path) -> str:
    """The HTML section (and its files) for a run's quantized variants; '' when there are none.

    A run without a quantized variant is never read here; a variant whose files cannot be read
    gets a one-line note instead of stopping the rest of the report.
    """
    if not any((Path(run_dir) / "experiments").glob(f"*/{QUANTIZATION_FILE}")):
        return ""
    try:
        rows = compression_rows(run_dir)
    except DataError as error:
        return f'<h2 id="compression">Compression</h2><p class="note">{esc(error)}</p>'
    if not rows:
        return ""
    png = write_compression_files(analysis_dir, rows)
    table_rows = []
    for row in rows:
        c, k = row.comparison, row.costs
        table_rows.append(
            {
                "variant": row.variant,
                "scheme": row.label,
                c.metric: f"{c.value_b:.3f}",
                "parent": f"{c.value_a:.3f}",
                "change [95% CI] (points)": f"{100 * c.difference:+.1f} "
                f"[{100 * c.ci_low:+.1f}, {100 * c.ci_high:+.1f}]",
                "p (Holm)": _number(c.p_holm),
                "right->wrong": len(row.right_to_wrong),
                "wrong->right": len(row.wrong_to_right),
                "max |d loglik|": _number(row.largest_score_change),
                "size MiB (ratio)": f"{k['size_on_disk_mb']:.2f} ({_number(k['size_ratio'], 2)})",
                "memory MiB (ratio)": f"{k['memory_mb']:.2f} ({_number(k['memory_ratio'], 2)})",
                "load s": _number(k["load_seconds"]),
                "p50 / p95 ms": f"{_number(k['latency_p50_ms'])} / {_number(k['latency_p95_ms'])}",
                "latency ratio": _number(k["latency_ratio"], 2),
                "throughput ratio": _number(k["speed_ratio"], 2),
            }
        )
    verdicts = [f"{row.variant} ({row.label}): {row.verdict}" for row in rows]
    flips = "".join(
        details(
            f"{row.variant}: {len(row.right_to_wrong)} right->wrong, "
            f"{len(row.wrong_to_right)} wrong->right",
            "<p>right -> wrong</p>"
            + _flip_list(row.right_to_wrong)
            + "<p>wrong -> right</p>"
            + _flip_list(row.wrong_to_right),
        )
        for row in rows
        if row.right_to_wrong or row.wrong_to_right
    )
    return (
        '<h2 id="compression">Compression</h2>'
        "<p>Each quantized variant against its parent on the same items: paired bootstrap CI "
        "of the change, McNemar's exact test with Holm's correction over all variants, the "
        "items whose verdict flipped, and size, memory and speed as ratios to the parent "
        "(latency at batch size 1, throughput at the parent's batch size).</p>"
        + table(table_rows, text_columns=["variant", "scheme"])
        + paragraphs(verdicts)
        + image(png, "accuracy change vs size and latency")
        + flips
    )
