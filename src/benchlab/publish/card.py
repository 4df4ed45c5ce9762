"""The model card README.md: Hub metadata with the model-index, then the measured story in prose.

Summary; training (data, mode, hyper-parameters, steps, time, trainable share, hardware);
evaluation (every metric with n and 95% CI, paired comparisons against the base model and the
run's baseline with their verdicts, small-sample warnings, published figures beside measured
ones); efficiency; limitations; how to reproduce. Comparisons reuse benchlab.report's paired
tests, Holm-corrected across the comparisons this card makes.
"""

from __future__ import annotations

from typing import Any

from benchlab.publish.card_sections import (
    efficiency_section,
    evaluation_section,
    limitations_section,
    reproduce_section,
    summary_section,
    training_section,
)
from benchlab.publish.model_index import hub_dataset, model_index_results
from benchlab.publish.source import PublishSource, base_model_id
from benchlab.report.analysis import DEFAULT_RESAMPLES
from benchlab.report.comparisons import Comparison, ComparisonBook
from benchlab.report.published import load_published, side_by_side
from benchlab.report.records import ExperimentRecord
from benchlab.report.selection import choose_baselines
from benchlab.report.technical_doc import render_markdown

__all__ = ["card_comparisons", "card_metadata", "render_card"]

_PIPELINES = {
    "encoder": "text-classification",
    "causal": "text-generation",
    "vlm": "image-text-to-text",
}


def _base_experiment(record: ExperimentRecord, run: Any) -> ExperimentRecord | None:
    """The same model prompted zero-shot on the same task: what training started from."""
    return next(
        (
            r
            for r in run.complete
            if r.model == record.model and r.task == record.task and r.method == "zero_shot"
        ),
        None,
    )


def _references(record: ExperimentRecord, run: Any, baseline: ExperimentRecord | None) -> list:
    """Its base model and the task's baseline; the baseline itself meets the task's others."""
    if baseline is not record:
        return [_base_experiment(record, run), baseline]
    return [r for r in run.complete if r.task == record.task and r is not record]


def card_comparisons(source: PublishSource) -> list[Comparison]:
    """Each evaluated experiment against its base model and the task's run baseline (B - A)."""
    run = source.run
    resamples = next(
        (
            (s.get("profile") or {}).get("bootstrap_resamples")
            for s in run.plan.get("experiments", [])
            if (s.get("profile") or {}).get("bootstrap_resamples")
        ),
        DEFAULT_RESAMPLES,
    )
    book = ComparisonBook(
        seed=int((source.record.results or {}).get("seed", 0)), n_resamples=resamples
    )
    baselines = choose_baselines(run, None)
    pairs = []
    for record in source.evaluated:
        for reference in _references(record, run, baselines.get(record.task)):
            if reference is not None and reference is not record:
                book.want(reference, record)
                pairs.append((reference, record))
    book.run()
    found = [book.get(a, b) for a, b in pairs]
    return list({c.key: c for c in found if c is not None}.values())


def card_metadata(source: PublishSource, repo_id: str, license_id: str) -> dict[str, Any]:
    """base_model, library_name, pipeline_tag, license, datasets and tags of the card."""
    record = source.record
    datasets = [d["id"] for r in source.evaluated if (d := hub_dataset(r))]
    metadata: dict[str, Any] = {
        "library_name": "peft" if source.is_adapter else "transformers",
        "pipeline_tag": _PIPELINES.get(record.model_kind, "text-generation"),
        "license": license_id,
        "tags": list(
            dict.fromkeys(
                ["benchlab", record.method, record.mode, *(r.task for r in source.evaluated)]
                + (["lora", "peft"] if source.is_adapter else [])
            )
        ),
    }
    if license_id == "other":
        metadata["license_name"] = "same-as-base-model"
    base = base_model_id(source.model_path)
    if base:
        metadata["base_model"] = base
    if datasets:
        metadata["datasets"] = list(dict.fromkeys(datasets))
    metadata["model_name"] = repo_id.split("/")[-1]
    return metadata


def render_card(source: PublishSource, repo_id: str, license_id: str) -> str:
    """The README.md text: YAML front matter (with model-index) and the Markdown body."""
    from huggingface_hub import ModelCardData

    metadata = card_metadata(source, repo_id, license_id)
    data = ModelCardData(eval_results=model_index_results(source.evaluated), **metadata)
    config = source.run.plan.get("config") or {}
    published = side_by_side(list(source.evaluated), load_published(config.get("published")))
    comparisons = card_comparisons(source)
    sections = [
        summary_section(source, repo_id),
        training_section(source),
        evaluation_section(source, comparisons, published),
        efficiency_section(source),
        limitations_section(source, comparisons),
        reproduce_section(source),
    ]
    body = render_markdown(repo_id.split("/")[-1], sections)
    return f"---\n{data.to_yaml()}\n---\n\n{body}"
