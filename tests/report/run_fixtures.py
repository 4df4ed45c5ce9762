"""Hand-made run directories: results.json, predictions.jsonl and failure.json written directly.

No model is involved, so a report test builds a run in milliseconds and knows exactly which
items each system got right.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchlab.scoring.classification import classification_metrics
from benchlab.scoring.metric import metric_with_ci
from benchlab.tasks.base import Prediction
from benchlab.tasks.mc_metrics import choice_metrics

LABELS = ["negative", "positive"]


def planted_predictions(
    n: int, accuracy: float, *, seed: int, gold: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gold labels and predictions with exactly round(accuracy * n) items right."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 2, size=n) if gold is None else gold
    right = np.zeros(n, dtype=bool)
    right[rng.permutation(n)[: round(accuracy * n)]] = True
    return gold, np.where(right, gold, 1 - gold)


def _record_head(
    experiment_id: str, kind: str, family: str, n_eval: int, method: str | None = None
) -> dict[str, Any]:
    """The identity fields of a complete results.json, as the runner writes them."""
    model, task, mode = experiment_id.split("_")
    return {
        "schema_version": 1,
        "experiment_id": experiment_id,
        "status": "complete",
        "spec_hash": "x",
        "model": model,
        "model_kind": kind,
        "task": task,
        "task_family": family,
        "mode": mode,
        "method": method or mode.replace("-", "_"),
        "seed": 0,
        "profile": "test",
        "n_eval": n_eval,
    }


def write_experiment(
    run_dir: Path,
    experiment_id: str,
    gold: np.ndarray,
    pred: np.ndarray,
    *,
    kind: str = "encoder",
    method: str | None = None,
    total_parameters: int = 1_000_000,
    train_seconds: float | None = 10.0,
    latency_ms: float = 5.0,
    ids: list[str] | None = None,
    labels: list[str] = LABELS,
) -> dict[str, Any]:
    """A complete classification experiment `<model>_<task>_<mode>` with metrics and CIs."""
    model, task, _ = experiment_id.split("_")
    folder = run_dir / "experiments" / experiment_id
    folder.mkdir(parents=True, exist_ok=True)
    ids = ids or [f"{task}-{i}" for i in range(len(gold))]
    with (folder / "predictions.jsonl").open("w", encoding="utf-8") as handle:
        for key, g, p in zip(ids, gold, pred, strict=True):
            scores = {
                name: (0.8 if i == p else 0.2 / (len(labels) - 1)) for i, name in enumerate(labels)
            }
            row = {
                "id": key,
                "input": f"text of {key}",
                "gold": labels[g],
                "prediction": labels[p],
                "correct": bool(g == p),
                "gold_index": int(g),
                "prediction_index": int(p),
                "scores": scores,
                "score_kind": "probability",
            }
            handle.write(json.dumps(row) + "\n")
    metrics = {
        name: metric_with_ci(fn, gold, pred, seed=0, n_resamples=200).to_json()
        for name, fn in classification_metrics(len(labels)).items()
    }
    training = None
    if train_seconds is not None:
        training = {
            "train_seconds": train_seconds,
            "trainable_parameters": total_parameters // 10,
            "total_parameters": total_parameters,
            "trainable_percent": 10.0,
            "artifact": None,
        }
        (folder / "history.json").write_text(
            json.dumps({"train_loss": [{"step": s, "loss": 1 / s} for s in (1, 2, 3)], "eval": []})
        )
    results = {
        **_record_head(experiment_id, kind, "classification", len(gold), method),
        "metrics": metrics,
        "training": training,
        "cost": {
            "eval_seconds": 1.0,
            "throughput_examples_per_second": 100.0,
            "latency_ms": {"p50": latency_ms, "p95": latency_ms * 2, "mean": latency_ms, "n": 5},
            "total_parameters": total_parameters,
            "peak_rss_mb": 500.0,
            "rss_increase_mb": 10.0,
            "peak_gpu_mb": None,
        },
        "provenance": {
            "task": {"options": {"label_names": labels}},
            "model_fingerprint": f"fp-{model}",
            "packages": {"numpy": np.__version__},
        },
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:01:00+00:00",
    }
    (folder / "results.json").write_text(json.dumps(results))
    return results


def write_failed(run_dir: Path, experiment_id: str, error: str) -> None:
    """An experiment whose attempt failed with a one-line error."""
    folder = run_dir / "experiments" / experiment_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "failure.json").write_text(
        json.dumps({"status": "failed", "error": error, "traceback": "traceback.txt"})
    )
    (folder / "traceback.txt").write_text(f"Traceback...\n{error}\n")


def write_plan(run_dir: Path, experiment_ids: list[str]) -> None:
    """run.json listing the matrix (so pending experiments without a folder are known)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    experiments = []
    for experiment_id in experiment_ids:
        model, task, mode = experiment_id.split("_")
        experiments.append(
            {
                "id": experiment_id,
                "model": {"name": model, "kind": "causal" if "llama" in model else "encoder"},
                "task": {"name": task},
                "mode": {"name": mode, "type": mode.replace("-", "_")},
                "profile": {"bootstrap_resamples": 300},
            }
        )
    (run_dir / "run.json").write_text(
        json.dumps({"config": {"name": "fixture"}, "profile": "test", "experiments": experiments})
    )


def write_choice_experiment(
    run_dir: Path,
    experiment_id: str,
    gold: str,
    predicted: Sequence[str | None],
    *,
    scoring: str = "loglikelihood",
) -> dict[str, Any]:
    """A multiple-choice experiment from gold letters ("ABCA...") and predicted letters.

    None in `predicted` is an item with no extracted letter (generation scoring only). The
    metrics are the task's own (`choice_metrics`), so the report reads what a run would write.
    """
    model, task, _ = experiment_id.split("_")
    folder = run_dir / "experiments" / experiment_id
    folder.mkdir(parents=True, exist_ok=True)
    predictions = []
    for i, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        details: dict[str, Any] = {"gold_letter": g, "scoring": scoring, "predicted_letter": p}
        if scoring == "generate":
            details["extraction_rule"] = "answer_colon" if p else None
        else:
            details["correct_norm"] = p == g
        predictions.append(Prediction(f"{task}-{i}", f"question {i}", g, p, p == g, details))
    with (folder / "predictions.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(p.to_json()) + "\n" for p in predictions)
    metrics = choice_metrics(predictions, n_resamples=100)
    results = {
        **_record_head(experiment_id, "causal", "multiple_choice", len(gold)),
        "metrics": {name: metric.to_json() for name, metric in metrics.items()},
        "training": None,
        "cost": {"eval_seconds": 1.0, "latency_ms": {"p50": 5.0, "p95": 9.0, "n": 5}},
        "provenance": {"model_fingerprint": f"fp-{model}"},
    }
    (folder / "results.json").write_text(json.dumps(results))
    return results
