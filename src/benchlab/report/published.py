"""Published figures (papers, model cards) set beside measured ones, never mixed with them.

The shipped, cited list lives in `benchlab/resources/references/published.yaml`; a config's
`published:` block adds more. A figure is matched to an experiment by model (hub id or name)
and benchmark (task name or type); every difference in protocol that can be read from the
record (shots, split, metric variant, a fine-tuned model against the released one) is flagged,
because a 5-shot paper number beside a 0-shot measurement is not a comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from benchlab.errors import ConfigError
from benchlab.report.records import ExperimentRecord

__all__ = [
    "AS_PUBLISHED",
    "PublishedFigure",
    "SideBySide",
    "load_published",
    "measured_protocol",
    "side_by_side",
]

AS_PUBLISHED = "as published, not measured here"
SHIPPED = "references/published.yaml"
#: Metric families: a figure naming the family matches any variant and is flagged as unspecific.
FAMILIES = {"accuracy": ("accuracy", "acc"), "exact_match": ("exact_match",)}
TRAINED_METHODS = frozenset({"finetune", "lora", "qlora", "sft", "dpo"})


class Source(BaseModel):
    """Where the figure is printed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    paper: str
    url: str
    table: str


class PublishedFigure(BaseModel):
    """One figure as its source prints it, with the protocol the source states."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    benchmark: str
    metric: str
    value: float
    unit: str = "percent"
    shots: int | None = None
    split: str | None = None
    protocol: str | None = None
    source: Source

    def as_fraction(self) -> float:
        """The value on the 0-1 scale benchlab records metrics on (unchanged unless percent)."""
        return self.value / 100 if self.unit == "percent" else self.value


def _validated(entries: Any, where: str) -> list[PublishedFigure]:
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: expected a list of figures, got {type(entries).__name__}")
    figures = []
    for i, entry in enumerate(entries):
        try:
            figures.append(PublishedFigure.model_validate(entry))
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(p) for p in problem["loc"]) or "(entry)"
            raise ConfigError(
                f"{where}[{i}].{field}: {problem['msg']} (each figure needs model, benchmark, "
                "metric, value and source {paper, url, table})"
            ) from exc
    return figures


def load_published(extra: Any = None) -> list[PublishedFigure]:
    """The shipped, cited figures plus a config's `published:` entries (validated)."""
    import yaml

    text = resources.files("benchlab").joinpath("resources", SHIPPED).read_text(encoding="utf-8")
    shipped = _validated((yaml.safe_load(text) or {}).get("figures", []), SHIPPED)
    return shipped + (_validated(extra, "config published") if extra else [])


def _spec(record: ExperimentRecord) -> dict[str, Any]:
    provenance = (record.results or {}).get("provenance") or {}
    return provenance.get("spec") or record.spec or {}


def measured_protocol(record: ExperimentRecord) -> dict[str, Any]:
    """Shots, split and training method of a measured experiment, as far as the record says."""
    spec = _spec(record)
    mode = spec.get("mode") or {}
    options = (((record.results or {}).get("provenance") or {}).get("task") or {}).get(
        "options"
    ) or {}
    shots = mode.get("k") if mode.get("type") == "few_shot" else options.get("num_fewshot")
    if shots is None and mode.get("type") == "zero_shot":
        shots = 0
    evaluated = options.get("eval") if isinstance(options.get("eval"), dict) else {}
    path = str(evaluated.get("path") or "")
    local = path.startswith(("/", ".")) or path.endswith((".json", ".jsonl", ".csv", ".tsv", ".gz"))
    split = None if local or not path else evaluated.get("split")
    return {"shots": shots, "split": split, "method": record.method, "mode": record.mode}


def _matches_model(figure: PublishedFigure, record: ExperimentRecord) -> bool:
    path = str((_spec(record).get("model") or {}).get("path") or "")
    names = {record.model.lower(), path.lower()}
    return figure.model.lower() in names


def _matches_benchmark(figure: PublishedFigure, record: ExperimentRecord) -> bool:
    task = (_spec(record).get("task") or {}) if _spec(record) else {}
    names = {record.task.lower(), str(task.get("type") or "").lower()}
    return figure.benchmark.lower() in names


def _measured_metric(figure: PublishedFigure, record: ExperimentRecord) -> str | None:
    metrics = record.headline_metrics
    if figure.metric in metrics:
        return figure.metric
    prefixes = FAMILIES.get(figure.metric, ())
    return next((name for name in metrics if name.startswith(prefixes)), None) if prefixes else None


@dataclass(frozen=True)
class SideBySide:
    """A published figure beside the measured metric it corresponds to, with protocol flags."""

    figure: PublishedFigure
    record: ExperimentRecord
    metric: str | None
    flags: tuple[str, ...]

    @property
    def measured(self) -> dict[str, Any]:
        """The measured metric entry ({} when the experiment has no such metric)."""
        return self.record.metrics.get(self.metric, {}) if self.metric else {}

    @property
    def gap(self) -> float | None:
        """Measured minus published on the 0-1 scale (None when either is missing)."""
        value = self.measured.get("value")
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        return float(value) - self.figure.as_fraction()


def _flags(figure: PublishedFigure, record: ExperimentRecord, metric: str | None) -> list[str]:
    measured = measured_protocol(record)
    flags = []
    if figure.shots is not None and measured["shots"] is not None:
        if figure.shots != measured["shots"]:
            flags.append(
                f"shots differ: published {figure.shots}-shot, measured {measured['shots']}"
            )
    elif figure.shots is None:
        flags.append("the source states no shot count")
    if figure.split and measured["split"] and figure.split != measured["split"]:
        flags.append(f"split differs: published {figure.split}, measured {measured['split']}")
    if metric is None:
        flags.append(f"metric differs: published {figure.metric}, not measured here")
    elif metric != figure.metric:
        flags.append(
            f"metric variant: the source says {figure.metric}, measured {metric}"
            + (f" ({figure.protocol})" if figure.protocol else "")
        )
    if measured["method"] in TRAINED_METHODS:
        flags.append(
            f"measured model is {measured['mode']}-trained; published is the released model"
        )
    return flags


def side_by_side(
    records: list[ExperimentRecord], figures: list[PublishedFigure]
) -> list[SideBySide]:
    """Every (published figure, complete experiment) pair of the same model and benchmark."""
    pairs = []
    for record in records:
        if not record.complete:
            continue
        for figure in figures:
            if _matches_model(figure, record) and _matches_benchmark(figure, record):
                metric = _measured_metric(figure, record)
                pairs.append(
                    SideBySide(figure, record, metric, tuple(_flags(figure, record, metric)))
                )
    return pairs
