"""The sections of the model card's body, each built from the run's records only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from benchlab.publish.source import PublishSource, base_model_id
from benchlab.report.comparisons import Comparison
from benchlab.report.efficiency import peak_memory_gb
from benchlab.report.position_bias import experiment_position_bias
from benchlab.report.published import SideBySide
from benchlab.report.selection import label
from benchlab.report.tables import metric_warning
from benchlab.report.technical_doc import Code, Paragraph, Section, Table, fmt
from benchlab.report.technical_results import comparison_rows, metric_rows, published_rows
from benchlab.report.wording import describe_comparison

__all__ = [
    "artifact_size_bytes",
    "efficiency_section",
    "evaluation_section",
    "limitations_section",
    "redacted",
    "reproduce_section",
    "summary_section",
    "training_section",
]


def artifact_size_bytes(folder: Path) -> int:
    """Bytes of every file under a folder."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def redacted(text: str) -> str:
    """The text with the home directory shortened to '~' (no local user names in a card)."""
    return text.replace(str(Path.home()), "~")


def _provenance(source: PublishSource) -> dict[str, Any]:
    return dict((source.record.results or {}).get("provenance") or {})


def summary_section(source: PublishSource, repo_id: str) -> Section:
    """What the model is and what it scored, in two paragraphs."""
    record = source.record
    base = base_model_id(source.model_path) or f"{record.model} ({source.model_path})"
    kind = "a LoRA adapter for" if source.is_adapter else "a fine-tuned version of"
    scores = "; ".join(
        f"{r.task}: {r.primary_metric} {fmt(r.metrics[r.primary_metric].get('value'), 3)} "
        f"(95% CI {fmt(r.metrics[r.primary_metric].get('ci_low'), 3)}-"
        f"{fmt(r.metrics[r.primary_metric].get('ci_high'), 3)}, "
        f"n={r.metrics[r.primary_metric].get('n')})"
        for r in source.evaluated
        if r.primary_metric
    )
    return Section(
        "Summary",
        [
            Paragraph(
                f"{repo_id} is {kind} {base}, trained with the {record.mode} mode "
                f"({record.method}) of benchlab experiment {record.experiment_id}."
            ),
            Paragraph(f"Measured on the evaluated tasks: {scores}."),
        ],
    )


def _steps(source: PublishSource) -> int | None:
    losses = source.record.history.get("train_loss") or []
    steps = [row.get("step") for row in losses if isinstance(row, dict)]
    return max((s for s in steps if isinstance(s, int)), default=None)


def training_section(source: PublishSource) -> Section:
    """Data, mode, hyper-parameters, steps, time, trainable share and hardware."""
    spec, training = source.spec, source.record.training
    mode = {k: v for k, v in (spec.get("mode") or {}).items() if k not in ("name",)}
    task = spec.get("task") or {}
    profile = spec.get("profile") or {}
    provenance = _provenance(source)
    rows = [
        {"item": "training data", "value": redacted(str(task.get("train") or "see config"))},
        {"item": "training examples (cap)", "value": profile.get("max_train_examples") or "all"},
        {
            "item": "data fingerprint (train)",
            "value": (provenance.get("data_fingerprint") or {}).get("train", "-"),
        },
        {"item": "mode", "value": f"{source.record.mode} ({source.record.method})"},
        {"item": "hyper-parameters", "value": json.dumps(mode)},
        {"item": "optimizer steps (last logged)", "value": _steps(source) or "not logged"},
        {"item": "training time (s)", "value": fmt(training.get("train_seconds"), 1)},
        {
            "item": "trainable parameters",
            "value": f"{training.get('trainable_parameters', '-')} of "
            f"{training.get('total_parameters', '-')} "
            f"({fmt(training.get('trainable_percent'), 2)}%)",
        },
        {"item": "seed", "value": (source.record.results or {}).get("seed")},
        {"item": "hardware", "value": json.dumps(provenance.get("hardware") or {})},
    ]
    if training.get("shared"):
        rows.append({"item": "shared model", "value": "one model evaluated on every task below"})
    return Section("Training", [Table(rows, ["item", "value"])])


def evaluation_section(
    source: PublishSource, comparisons: list[Comparison], published: list[SideBySide]
) -> Section:
    """Metrics with n and CIs, paired comparisons with verdicts, warnings, published figures."""
    blocks: list[Any] = [
        Paragraph("Every metric with its 95% confidence interval and the number of items."),
        Table(metric_rows(list(source.evaluated)), caption="Measured results"),
    ]
    if comparisons:
        blocks.append(
            Paragraph(
                f"Paired comparisons on the same items ({len(comparisons)} comparisons, p-values "
                "Holm-corrected together; differences in percentage points)."
            )
        )
        blocks.append(Table(comparison_rows(comparisons)))
        blocks.extend(Paragraph(describe_comparison(c)) for c in comparisons)
    else:
        blocks.append(
            Paragraph("The run has no base-model or baseline experiment to compare with.")
        )
    warnings = [
        f"{r.experiment_id} {name}: {text}"
        for r in source.evaluated
        for name, metric in r.headline_metrics.items()
        if (text := metric_warning(metric))
    ] + [
        f"{label(c.b)} vs {label(c.a)}: too small a sample to support a claim"
        for c in comparisons
        if not c.supports_claim
    ]
    blocks.extend(Paragraph(w, True) for w in warnings)
    if published:
        blocks.append(
            Table(
                published_rows(published),
                caption="Published figures, as published, not measured here",
            )
        )
    return Section("Evaluation", blocks)


def efficiency_section(source: PublishSource) -> Section:
    """Latency, throughput, memory and the size of the uploaded weights."""
    rows = []
    for r in source.evaluated:
        latency = r.cost.get("latency_ms") or {}
        rows.append(
            {
                "experiment": r.experiment_id,
                "p50 ms (batch 1)": fmt(latency.get("p50"), 2),
                "p95 ms (batch 1)": fmt(latency.get("p95"), 2),
                "latency n": latency.get("n", "-"),
                "examples/s": fmt(r.cost.get("throughput_examples_per_second"), 1),
                "peak memory GB": fmt(peak_memory_gb(r), 3),
                "parameters": r.total_parameters or "-",
            }
        )
    size = artifact_size_bytes(source.artifact) / 2**20
    quantized = [
        r.experiment_id
        for r in source.run.complete
        if r.model == source.record.model and "quant" in r.method
    ]
    blocks: list[Any] = [Table(rows), Paragraph(f"Uploaded weights: {size:.2f} MiB.")]
    if quantized:
        blocks.append(Paragraph(f"Quantized variants measured in the run: {', '.join(quantized)}."))
    return Section("Efficiency", blocks)


def limitations_section(source: PublishSource, comparisons: list[Comparison]) -> Section:
    """What was not measured and the known biases where they were measured."""
    measured = {r.task for r in source.evaluated}
    others = sorted({r.task for r in source.run.complete} - measured)
    blocks: list[Any] = [
        Paragraph(
            f"Evaluated only on: {', '.join(sorted(measured))}"
            + (
                f" (the run's other tasks, {', '.join(others)}, used other weights)"
                if others
                else ""
            )
            + ". Not measured: safety, toxicity, calibration, robustness to prompt wording."
        )
    ]
    for record in source.evaluated:
        bias = experiment_position_bias(record)
        if bias is not None:
            blocks.append(
                Paragraph(f"Answer position bias ({record.task}): {bias.note}", bias.biased)
            )
    if not any(r.cost.get("peak_gpu_mb") for r in source.evaluated):
        blocks.append(Paragraph("Measured without a GPU: GPU latency and memory are unknown."))
    if not base_model_id(source.model_path):
        blocks.append(
            Paragraph(
                f"The base model ({source.model_path}) is not a Hub model: loading these weights "
                "needs that local model.",
                True,
            )
        )
    if any(not c.supports_claim for c in comparisons):
        blocks.append(Paragraph("Some comparisons are too small to support a claim (see above)."))
    return Section("Limitations", blocks)


def reproduce_section(source: PublishSource) -> Section:
    """The experiment's resolved spec and the command that runs it."""
    plan = source.run.plan
    config_name = Path(str(plan.get("config_path") or "config.yaml")).name
    spec = {
        k: v for k, v in source.spec.items() if k in ("model", "task", "mode", "seed", "profile")
    }
    provenance = _provenance(source)
    command = (
        f"benchlab run {config_name} --profile {plan.get('profile', 'full')} "
        f"--only {source.record.experiment_id}"
    )
    return Section(
        "How to reproduce",
        [
            Paragraph(f"With benchlab and the config {config_name} of this run:"),
            Code(command, "bash"),
            Paragraph("The experiment as resolved by benchlab:"),
            Code(redacted(yaml.safe_dump(spec, sort_keys=False)), "yaml"),
            Paragraph(
                f"benchlab git revision {json.dumps(provenance.get('git'))}; packages "
                f"{json.dumps(provenance.get('packages'))}."
            ),
        ],
    )
