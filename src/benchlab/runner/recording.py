"""Turns what an experiment produced into its typed record (results.json)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from benchlab.config.plan import ExperimentSpec
from benchlab.methods.base import Prepared
from benchlab.record.model import SCHEMA_VERSION, ExperimentRecord
from benchlab.runner.fingerprints import spec_hash, spec_json
from benchlab.runner.provenance import data_fingerprint, git_revision, hardware, package_versions
from benchlab.scoring.metric import MetricResult
from benchlab.tasks.base import Example, Task

__all__ = ["build_record"]

_NO_LATENCY = {"p50": None, "p95": None, "mean": None, "n": 0}


def _training(prepared: Prepared) -> dict[str, Any] | None:
    training = prepared.training
    if training is None:
        return None
    return {
        "train_seconds": round(training.train_seconds, 3),
        "trainable_parameters": training.trainable_parameters,
        "total_parameters": training.total_parameters,
        "trainable_percent": round(training.trainable_percent, 4),
        "artifact": training.artifact,
        "shared": training.shared,
    }


def _shots(task: Task, prepared: Prepared) -> int:
    """Demonstrations before each prompt: the few-shot sampler's k, else the task's fixed shots."""
    k = getattr(prepared.eval_context.demonstrations, "k", None)
    if k is None:
        k = getattr(getattr(task, "options", None), "num_fewshot", 0)
    return int(k or 0)


def build_record(
    spec: ExperimentSpec,
    task: Task,
    prepared: Prepared,
    outputs: Mapping[str, Any],
    metrics: Mapping[str, MetricResult],
    *,
    memory: Mapping[str, Any],
    eval_examples: Sequence[Example],
    train_examples: Sequence[Example] | None,
    inputs: Mapping[str, Any],
    passes: Mapping[str, dict[str, Any]],
    started_at: str,
    finished_at: str,
) -> ExperimentRecord:
    """The validated record of a finished experiment (outputs and summaries: by pass name)."""
    evaluation = outputs["evaluate"]
    predictions = evaluation.predictions
    n = len(predictions)
    fingerprints = {"eval": data_fingerprint(eval_examples)}
    if train_examples is not None:
        fingerprints["train"] = data_fingerprint(train_examples)
    latency = outputs["latency"].to_json() if "latency" in outputs else _NO_LATENCY
    return ExperimentRecord.model_validate(
        {
            "schema_version": SCHEMA_VERSION,
            "experiment_id": spec.id,
            "status": "complete",
            "spec_hash": spec_hash(spec),
            "model": spec.model.name,
            "model_kind": spec.model.kind,
            "task": spec.task.name,
            "task_family": task.family,
            "mode": spec.mode.name,
            "method": spec.mode.method_type,
            "seed": spec.seed,
            "profile": spec.profile_name,
            "n_eval": n,
            "shots": _shots(task, prepared),
            "truncated_prompts": sum(bool(p.details.get("truncated")) for p in predictions),
            "metrics": {name: m.to_json() for name, m in metrics.items()},
            "training": _training(prepared),
            "cost": {
                "eval_seconds": round(evaluation.seconds, 3),
                "throughput_examples_per_second": round(n / max(evaluation.seconds, 1e-9), 3),
                "latency_ms": latency,
                "total_parameters": prepared.backend.parameter_count(),
                **memory,
            },
            "provenance": {
                "spec": spec_json(spec),
                "task": task.describe(),
                "model_fingerprint": prepared.backend.fingerprint,
                "model_revision": prepared.backend.revision,
                "data_fingerprint": fingerprints,
                "packages": package_versions(),
                "git": git_revision(),
                "hardware": hardware(),
                "inputs": dict(inputs),
            },
            "started_at": started_at,
            "finished_at": finished_at,
            "labels": getattr(task, "label_names", None),
            "passes": dict(passes),
        }
    )
