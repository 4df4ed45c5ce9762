"""One experiment end to end: prepare the model, evaluate, measure, write the record."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache
from typing import Any

from benchlab.config.plan import ExperimentSpec
from benchlab.methods.base import MethodContext
from benchlab.methods.registry import build_method
from benchlab.progress import ProgressReporter
from benchlab.record.atomic import write_json_atomic, write_jsonl_atomic
from benchlab.report.error_analysis import write_error_analysis
from benchlab.runner.layout import ExperimentFiles, RunLayout
from benchlab.runner.measure import PeakMemory, measure_latency
from benchlab.runner.provenance import data_fingerprint, git_revision, hardware, package_versions
from benchlab.tasks.evaluation import evaluate
from benchlab.tasks.registry import build_task
from benchlab.tasks.subsample import cap_examples

__all__ = ["SCHEMA_VERSION", "run_experiment", "spec_hash", "spec_json"]

SCHEMA_VERSION = 1


def spec_json(spec: ExperimentSpec) -> dict[str, Any]:
    """The resolved experiment spec as JSON (what results depend on)."""
    return {
        "id": spec.id,
        "model": spec.model.model_dump(mode="json"),
        "task": spec.task.model_dump(mode="json"),
        "mode": spec.mode.model_dump(mode="json"),
        "seed": spec.seed,
        "profile": {"name": spec.profile_name, **spec.profile.model_dump(mode="json")},
    }


def spec_hash(spec: ExperimentSpec) -> str:
    """Hash of the resolved spec: a changed config makes a completed experiment stale."""
    text = json.dumps(spec_json(spec), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _seed_everything(seed: int) -> None:
    from transformers import set_seed

    set_seed(seed)


def run_experiment(
    spec: ExperimentSpec,
    files: ExperimentFiles,
    progress: ProgressReporter,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Run one experiment and write its files; results.json is written last."""
    started_at = _now()
    files.root.mkdir(parents=True, exist_ok=True)
    for leftover in files.root.rglob(".*.tmp"):  # from an attempt killed mid-write
        leftover.unlink(missing_ok=True)
    if files.results.exists():  # a stale or forced rerun: the old record is kept, not current
        files.results.replace(files.previous_results)
    write_json_atomic(files.running, {"pid": os.getpid(), "started_at": started_at})
    _seed_everything(spec.seed)
    profile = spec.profile
    task = build_task(spec.task.task_type, spec.task.name, spec.task.options)
    eval_examples = cap_examples(task.load_split("eval"), profile.max_eval_examples, spec.seed)
    log(f"{spec.id}: {len(eval_examples)} eval examples")

    @cache
    def train_examples():
        examples = task.load_split("train")
        return tuple(cap_examples(examples, profile.max_train_examples, spec.seed))

    method = build_method(spec.mode.method_type, spec.mode.options)
    shared = RunLayout(files.root.parent.parent).shared  # experiments/<id> -> the run's root
    context = MethodContext(spec, task, train_examples, files.root, progress, log, shared)
    with PeakMemory() as memory:
        prepared = method.prepare(context)
        eval_context = prepared.eval_context
        with progress.track(f"eval  {spec.id}", len(eval_examples)) as advance:
            eval_context.advance = advance
            eval_started = time.perf_counter()
            predictions = evaluate(task, prepared.backend, eval_examples, eval_context)
            eval_seconds = time.perf_counter() - eval_started
        latency = measure_latency(
            task, prepared.backend, eval_examples[: profile.latency_examples], eval_context
        )
    metrics = task.metrics(predictions, seed=spec.seed, n_resamples=profile.bootstrap_resamples)
    task.write_artifacts(
        predictions, files.root, seed=spec.seed, n_resamples=profile.bootstrap_resamples
    )

    write_jsonl_atomic(files.predictions, (p.to_json() for p in predictions))
    training = prepared.training
    write_json_atomic(files.history, training.history if training else {})
    write_error_analysis(
        predictions,
        files.error_analysis,
        labels=getattr(task, "label_names", None),
        title=spec.id,
    )
    fingerprints = {"eval": data_fingerprint(eval_examples)}
    if train_examples.cache_info().currsize:
        fingerprints["train"] = data_fingerprint(train_examples())
    results = {
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
        "n_eval": len(predictions),
        "metrics": {name: m.to_json() for name, m in metrics.items()},
        "training": None
        if training is None
        else {
            "train_seconds": round(training.train_seconds, 3),
            "trainable_parameters": training.trainable_parameters,
            "total_parameters": training.total_parameters,
            "trainable_percent": round(training.trainable_percent, 4),
            "artifact": training.artifact,
            "shared": training.shared,
        },
        "cost": {
            "eval_seconds": round(eval_seconds, 3),
            "throughput_examples_per_second": round(len(predictions) / max(eval_seconds, 1e-9), 3),
            "latency_ms": latency.to_json(),
            "total_parameters": prepared.backend.parameter_count(),
            **memory.to_json(),
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
        },
        "started_at": started_at,
        "finished_at": _now(),
    }
    write_json_atomic(files.results, results)
    files.failure.unlink(missing_ok=True)
    files.traceback.unlink(missing_ok=True)
    files.running.unlink(missing_ok=True)
    return results
