"""Passes: latency times the backend alone at batch size 1; registries refuse duplicates."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import pytest
import yaml

from benchlab.backends.base import Backend
from benchlab.progress import SilentProgress
from benchlab.record.layout import RunLayout
from benchlab.requests import LoglikelihoodRequest, LoglikelihoodResult
from benchlab.runner.executors import build_executor, executor_names, register_executor
from benchlab.runner.executors.base import Job, JobOutcome
from benchlab.runner.experiment import run_experiment
from benchlab.runner.passes import (
    DEFAULT_PASSES,
    PassContext,
    build_pass,
    pass_names,
    register_pass,
)
from benchlab.runner.passes.latency import measure_latency
from benchlab.runner.planning import load_plan
from benchlab.tasks.base import EvalContext, Example, Prediction, Task
from tests.helpers import write_config

BACKEND_SECONDS = 0.02


class SleepyBackend(Backend):
    """Answers each log-likelihood request after a fixed delay; records its batch sizes."""

    def __init__(self) -> None:
        self.batch_size = 8
        self.batches: list[tuple[int, int]] = []  # (requests, batch_size at the time)
        self.cache = object()  # a cache the latency pass must switch off

    @property
    def fingerprint(self) -> str:
        return "sleepy"

    def loglikelihood(self, requests: Sequence[LoglikelihoodRequest]) -> list[LoglikelihoodResult]:
        assert self.cache is None, "latency must bypass the response cache"
        self.batches.append((len(requests), self.batch_size))
        time.sleep(BACKEND_SECONDS)
        return [LoglikelihoodResult(-1.0, True, 1) for _ in requests]


class SlowScoringTask(Task):
    """Two requests per example; scoring would take a second (a judge, a sandbox)."""

    family = "toy"

    def __init__(self) -> None:
        super().__init__("toy")
        self.scored = 0

    def load_split(self, split: str) -> list[Example]:
        return [Example(f"x{i}", {"text": str(i)}, "a") for i in range(4)]

    def requests_for(self, example: Example, demonstrations: Any, context: Any) -> list[Any]:
        return [LoglikelihoodRequest(example.data["text"], c) for c in (" a", " b")]

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        self.scored += 1
        time.sleep(1.0)
        return Prediction(example.id, "", "a", "a", True)

    def metrics(self, predictions: Sequence[Prediction], **kwargs: Any) -> dict:
        return {}


def test_latency_times_the_backend_alone_at_batch_size_one() -> None:
    task, backend = SlowScoringTask(), SleepyBackend()
    examples = task.load_split("eval")
    stats = measure_latency(task, backend, examples, EvalContext())
    assert task.scored == 0  # scoring never ran, let alone inside the timing
    assert stats.n == 4
    assert BACKEND_SECONDS * 1000 <= stats.p50_ms < BACKEND_SECONDS * 1000 + 200
    # one warm-up plus one call per example, each with that example's two requests
    assert backend.batches == [(2, 1)] * 5
    assert backend.batch_size == 8 and backend.cache is not None  # restored


def test_default_passes_and_registries_refuse_duplicates() -> None:
    assert DEFAULT_PASSES == ("evaluate", "latency")
    assert {"evaluate", "latency"} <= set(pass_names())
    assert build_pass("latency").name == "latency"
    with pytest.raises(ValueError, match="already registered"):
        register_pass("latency", lambda: build_pass("latency"))
    with pytest.raises(ValueError, match="unknown evaluation pass"):
        build_pass("nope")
    assert "local" in executor_names()
    with pytest.raises(ValueError, match="already registered"):
        register_executor("local", lambda: build_executor("local"))


def test_local_executor_runs_jobs_in_plan_order() -> None:
    seen: list[str] = []
    jobs = [Job(spec=name, files=None) for name in ("b", "a", "c")]  # type: ignore[arg-type]

    def step(job: Job) -> JobOutcome:
        seen.append(f"step {job.spec}")
        return JobOutcome(str(job.spec), "complete")

    build_executor("local").execute(jobs, step, lambda o: seen.append(f"done {o.experiment_id}"))
    assert seen == ["step b", "done b", "step a", "done a", "step c", "done c"]


class CorrectCountPass:
    """A toy later pass: reads the evaluate pass's output, as a consistency pass would."""

    name = "toy-correct-count"

    def run(self, context: PassContext) -> int:
        return sum(bool(p.correct) for p in context.outputs["evaluate"].predictions)

    def summary(self, output: int) -> dict[str, Any]:
        return {"correct": output}


def test_a_new_pass_is_one_class_and_one_registry_line(tmp_path) -> None:
    register_pass(CorrectCountPass.name, CorrectCountPass)
    config = write_config(tmp_path / "c.yaml")
    data = yaml.safe_load(config.read_text())
    data["matrix"] = {"include": [{"models": ["tiny-llama"], "modes": ["zero-shot"]}]}
    config.write_text(yaml.safe_dump(data))
    (spec,) = load_plan(config).experiments
    files = RunLayout(tmp_path / "run").experiment(spec.id)
    passes = (*DEFAULT_PASSES, CorrectCountPass.name)
    results = run_experiment(spec, files, SilentProgress(), lambda line: None, passes=passes)
    rows = [json.loads(line) for line in files.predictions.read_text().splitlines()]
    assert results["passes"][CorrectCountPass.name] == {"correct": sum(r["correct"] for r in rows)}
    assert list(results["passes"]) == ["evaluate", "latency", CorrectCountPass.name]
    assert results["passes"]["latency"] == results["cost"]["latency_ms"]
    assert json.loads(files.results.read_text())["passes"] == results["passes"]
