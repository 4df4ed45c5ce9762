"""The typed experiment record: what results.json holds, field by field.

The runner builds an `ExperimentRecord` and writes `to_json()`; readers that want types
validate it back. Field order is the file's key order. schemas/results.schema.json is
generated from these models (`python -m benchlab.record.schema`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SCHEMA_VERSION",
    "CostRecord",
    "ExperimentRecord",
    "GitRecord",
    "InputFingerprints",
    "LatencyRecord",
    "MetricRecord",
    "ProvenanceRecord",
    "TrainingRecord",
]

SCHEMA_VERSION = 1
Number = float | None


class _Record(BaseModel):
    # a reader of an older or newer file keeps fields it does not know; the schema lists
    # every field with a default as required, because the writer always writes it
    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)


class MetricRecord(_Record):
    """A point estimate with its 95% CI and the number of items behind it (null if undefined)."""

    value: Number
    ci_low: Number
    ci_high: Number
    n: int = Field(ge=0)
    ci_method: str


class TrainingRecord(_Record):
    """Training cost and the artifact it left."""

    train_seconds: float = Field(ge=0)
    trainable_parameters: int = Field(ge=0)
    total_parameters: int = Field(ge=0)
    trainable_percent: float = Field(ge=0, le=100)
    artifact: str | None = Field(
        description="folder relative to the experiment dir: model (full weights) or adapter "
        "(LoRA only); ../../shared/... when one trained model serves several experiments"
    )
    shared: bool = Field(
        False,
        description="true when the model was trained once for the run and reused by several "
        "experiments (train_seconds is that one training)",
    )


class LatencyRecord(_Record):
    """Per-example wall time of the backend alone at batch size 1, in milliseconds."""

    p50: Number
    p95: Number
    mean: Number
    n: int = Field(ge=0)


class CostRecord(_Record):
    """Evaluation time, throughput, latency, parameters and memory."""

    eval_seconds: float = Field(ge=0)
    throughput_examples_per_second: float = Field(ge=0)
    latency_ms: LatencyRecord = Field(
        description="per-example wall time at batch size 1 on a sample of the eval split"
    )
    total_parameters: int = Field(ge=0)
    peak_rss_mb: float
    rss_increase_mb: float
    peak_gpu_mb: Number


class GitRecord(_Record):
    """The benchlab checkout that produced the record."""

    commit: str | None
    dirty: bool | None


class InputFingerprints(_Record):
    """What a rerun compares to decide whether the record still holds (see record.state)."""

    data: dict[str, str] = Field(description="data file -> sha256 of its content")
    model: str = Field(
        description="local model folder: content fingerprint; hub model: id and revision"
    )


class ProvenanceRecord(_Record):
    """What produced the numbers: spec, task, model, data, packages, code and hardware."""

    spec: dict[str, Any] = Field(description="resolved model, task, mode, seed and profile")
    task: dict[str, Any]
    model_fingerprint: str
    model_revision: str | None = Field(
        description="hub commit hash of the weights, or a content hash of a local model directory"
    )
    data_fingerprint: dict[str, str] = Field(
        description="split -> sha256 over the examples evaluated (eval) or trained on (train)"
    )
    packages: dict[str, str | None]
    git: GitRecord
    hardware: dict[str, Any]
    inputs: InputFingerprints


class ExperimentRecord(_Record):
    """benchlab experiment results (results.json).

    One completed experiment of a run: metrics with n and 95% CI, costs, and provenance.
    Written atomically and last, so its presence means the experiment is complete.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    experiment_id: str = Field(description="<model>_<task>_<mode>[_s<seed>]")
    status: Literal["complete"] = "complete"
    spec_hash: str = Field(
        description="hash of the resolved spec; a different hash on rerun makes the record stale"
    )
    model: str
    model_kind: str
    task: str
    task_family: str
    mode: str
    method: str = Field(
        description="registered method type, e.g. finetune, zero_shot, few_shot, lora, sft"
    )
    seed: int
    profile: str
    n_eval: int = Field(ge=0)
    shots: int = Field(
        0,
        ge=0,
        description="demonstrations shown before each evaluated prompt: the few-shot mode's k, "
        "else the task's fixed shots (num_fewshot); 0 when none",
    )
    truncated_prompts: int = Field(
        0,
        ge=0,
        description="eval items whose prompt was cut from the left to fit the model's "
        "max_length (each marked `truncated` in predictions.jsonl); flagged in the report",
    )
    metrics: dict[str, MetricRecord]
    training: TrainingRecord | None
    cost: CostRecord
    provenance: ProvenanceRecord
    started_at: str = Field(json_schema_extra={"format": "date-time"})
    finished_at: str = Field(json_schema_extra={"format": "date-time"})
    labels: list[str] | None = Field(
        None, description="label names in index order (classification tasks), else null"
    )
    passes: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="pass name -> digest of its output, for every pass that ran (evaluate, "
        "latency, later e.g. consistency)",
    )

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict, in file key order."""
        return self.model_dump(mode="json")
