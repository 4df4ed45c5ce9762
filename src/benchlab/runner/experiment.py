"""One experiment end to end: prepare the model, run the passes, write the record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from functools import cache
from typing import Any

from benchlab.config.plan import ExperimentSpec
from benchlab.methods.base import MethodContext
from benchlab.methods.registry import build_method
from benchlab.progress import ProgressReporter
from benchlab.record.atomic import write_json_atomic, write_jsonl_atomic
from benchlab.record.layout import ExperimentFiles, RunLayout
from benchlab.record.marker import RunningMarker
from benchlab.runner.fingerprints import input_fingerprints
from benchlab.runner.memory import PeakMemory
from benchlab.runner.passes import PassContext, build_pass, passes_for
from benchlab.runner.recording import build_record
from benchlab.tasks.reasoning import reasoning_metrics
from benchlab.tasks.registry import build_task
from benchlab.tasks.subsample import cap_examples

__all__ = ["run_experiment"]


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
    *,
    inputs: dict[str, Any] | None = None,
    passes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run one experiment and write its files; results.json is written last.

    `inputs` are the fingerprints resume compares (computed here when not given); `passes`
    default to the registry's choice for the spec (evaluate, then latency).
    """
    started_at = _now()
    inputs = inputs if inputs is not None else input_fingerprints(spec)
    files.root.mkdir(parents=True, exist_ok=True)
    for leftover in files.root.rglob(".*.tmp"):  # from an attempt killed mid-write
        leftover.unlink(missing_ok=True)
    if files.results.exists():  # a stale or forced rerun: the old record is kept, not current
        files.results.replace(files.previous_results)
    with RunningMarker(files.running, started_at):
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
            run = PassContext(
                spec,
                files.root,
                task,
                prepared.backend,
                eval_examples,
                prepared.eval_context,
                progress,
                log,
            )
            summaries = {}
            for name in passes if passes is not None else passes_for(spec):
                step = build_pass(name)
                run.outputs[name] = step.run(run)
                summaries[name] = step.summary(run.outputs[name])
        predictions = run.outputs["evaluate"].predictions
        metrics = task.metrics(predictions, seed=spec.seed, n_resamples=profile.bootstrap_resamples)
        if prepared.eval_context.reasoning is not None:  # after the task's: its headline stays
            metrics.update(
                reasoning_metrics(
                    predictions, seed=spec.seed, n_resamples=profile.bootstrap_resamples
                )
            )
        task.write_artifacts(
            predictions, files.root, seed=spec.seed, n_resamples=profile.bootstrap_resamples
        )
        write_jsonl_atomic(files.predictions, (p.to_json() for p in predictions))
        training = prepared.training
        write_json_atomic(files.history, training.history if training else {})
        train = train_examples() if train_examples.cache_info().currsize else None
        record = build_record(
            spec,
            task,
            prepared,
            run.outputs,
            metrics,
            memory=memory.to_json(),
            eval_examples=eval_examples,
            train_examples=train,
            inputs=inputs,
            passes=summaries,
            started_at=started_at,
            finished_at=_now(),
        )
        results = record.to_json()
        write_json_atomic(files.results, results)
        files.failure.unlink(missing_ok=True)
        files.traceback.unlink(missing_ok=True)
    return results
