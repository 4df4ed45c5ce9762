"""Text classification (single texts or pairs) from a hub dataset or a local file.

Encoders answer through their classification head; causal models score each label's verbalizer
by log-likelihood, so every example gets a valid label and results are deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from benchlab.errors import DataError
from benchlab.record.jsonsafe import finite_or_none
from benchlab.requests import (
    ClassificationRequest,
    ClassificationResult,
    LoglikelihoodRequest,
    LoglikelihoodResult,
)
from benchlab.scoring.classification import classification_metrics
from benchlab.scoring.metric import MetricResult, metric_with_ci
from benchlab.tasks.base import (
    EvalContext,
    Example,
    Prediction,
    PreferenceTriple,
    Split,
    Task,
    TrainingPair,
)
from benchlab.tasks.data_checks import (
    check_columns,
    check_labels,
    check_template,
    check_texts,
    check_unique_names,
    inferred_label_names,
    label_values,
)
from benchlab.tasks.data_files import DataTable, read_table
from benchlab.tasks.registry import TaskEntry, register_task
from benchlab.tasks.sources import DataSource, check_source_path, holdout_split, load_rows

__all__ = ["ClassificationOptions", "ClassificationTask", "ColumnMap"]


class ColumnMap(BaseModel):
    """Which columns of the data hold the text, the optional second text, the label and an id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = "text"
    text_pair: str | None = None
    label: str = "label"
    id: str | None = None


def _as_source(value: Any) -> Any:
    return {"path": value} if isinstance(value, str) else value


class ClassificationOptions(BaseModel):
    """Everything a classification task needs, as written under a task in the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    train: DataSource | None = Field(None, description="training split (optional)")
    eval: DataSource = Field(description="split results are reported on")
    holdout_fraction: float | None = Field(
        None, gt=0, lt=1, description="without `train`: share of `eval` rows held out for eval"
    )
    holdout_seed: int = 0
    columns: ColumnMap = ColumnMap()
    label_names: list[str] | None = None
    verbalizers: list[str] | None = None
    template: str = "{text}\nLabel:"
    pair_template: str = "{text}\n{text_pair}\nLabel:"

    _coerce_train = field_validator("train", mode="before")(_as_source)
    _coerce_eval = field_validator("eval", mode="before")(_as_source)

    @model_validator(mode="after")
    def _check_consistency(self) -> ClassificationOptions:
        if self.verbalizers and self.label_names and len(self.verbalizers) != len(self.label_names):
            raise ValueError(
                f"verbalizers has {len(self.verbalizers)} entries but label_names has "
                f"{len(self.label_names)}: give one verbalizer per label"
            )
        if self.train is not None and self.holdout_fraction is not None:
            raise ValueError("give either train or holdout_fraction, not both")
        return self


class ClassificationTask(Task):
    """A labelled text classification benchmark."""

    family = "classification"

    def __init__(self, name: str, options: ClassificationOptions) -> None:
        super().__init__(name)
        self.options = options
        self._label_names = list(options.label_names) if options.label_names else None

    @property
    def label_names(self) -> list[str]:
        """Label names in index order (inferred from the data when not configured)."""
        if self._label_names is None:
            self.load_split("eval")
        assert self._label_names is not None
        return self._label_names

    @property
    def verbalizers(self) -> list[str]:
        """The word a causal model is scored on for each label."""
        return list(self.options.verbalizers or self.label_names)

    def validate(self) -> None:
        """Options agree with each other; local files are read fully and every row checked."""
        options = self.options
        check_unique_names(options.label_names, "label_names")
        check_unique_names(options.verbalizers, "verbalizers")
        mapping = options.columns
        aliases = {mapping.text: "text"}
        if mapping.text_pair:
            aliases[mapping.text_pair] = "text_pair"
            check_template(options.pair_template, ("text", "text_pair"), "pair_template", aliases)
        else:
            check_template(options.template, ("text",), "template", aliases)
        tables = {}
        for split, source in (("train", options.train), ("eval", options.eval)):
            if source is None:
                continue
            check_source_path(source)
            if not source.is_local:
                continue
            table = read_table(source.path)
            check_columns(
                table,
                {f"columns.{name}": getattr(mapping, name) for name in ColumnMap.model_fields},
            )
            check_texts(table, mapping.text, "columns.text")
            check_labels(table, mapping.label, None)
            tables[split] = table
        if "eval" in tables:
            self._check_label_set(tables)

    def _check_label_set(self, tables: dict[str, DataTable]) -> None:
        """Every label is a known one, verbalizers match them, and a holdout leaves both splits
        rows (label names are inferred from the eval split as `load_split` infers them)."""
        options, column = self.options, self.options.columns.label
        table = tables["eval"]
        values = label_values(table, column)
        if options.holdout_fraction is not None:
            rows = [{"label": v} for v in values]
            train, evaluation = holdout_split(rows, options.holdout_fraction, options.holdout_seed)
            if not train or not evaluation:
                raise DataError(
                    f"{table.path}: holdout_fraction {options.holdout_fraction} of {len(rows)} "
                    f"rows leaves {len(train)} train and {len(evaluation)} eval rows; change "
                    "holdout_fraction or add rows"
                )
            values = [row["label"] for row in evaluation]
        names = options.label_names or inferred_label_names(values)
        named_by = "label_names" if options.label_names else "the eval split's labels"
        for split_table in tables.values():
            check_labels(split_table, column, names, named_by)
        if options.verbalizers and len(options.verbalizers) != len(names):
            raise DataError(
                f"verbalizers has {len(options.verbalizers)} entries but the eval split has "
                f"{len(names)} labels {names}; give one verbalizer per label (and label_names)"
            )

    def _rows(self, split: Split) -> list[dict[str, Any]]:
        options = self.options
        if split == "train" and options.train is not None:
            return load_rows(options.train)
        rows = load_rows(options.eval)
        if options.holdout_fraction is None:
            if split == "train":
                raise DataError(
                    f"task {self.name!r} has no train split: set `train` or `holdout_fraction`"
                )
            return rows
        train, evaluation = holdout_split(rows, options.holdout_fraction, options.holdout_seed)
        return train if split == "train" else evaluation

    def _label_index(self, value: Any, source: str) -> int:
        names = self._label_names
        assert names is not None
        if isinstance(value, str) and value in names:
            return names.index(value)
        try:
            index = int(value)
        except (TypeError, ValueError):
            index = -1
        if 0 <= index < len(names) and not isinstance(value, float):
            return index
        raise DataError(
            f"{source}: label {value!r} in column {self.options.columns.label!r} is not one of "
            f"{names} (or an index below {len(names)}); fix label_names or columns.label"
        )

    def load_split(self, split: Split) -> list[Example]:
        """Examples with integer gold labels; label names are inferred once if not given."""
        rows = self._rows(split)
        columns = self.options.columns
        source = (self.options.train if split == "train" and self.options.train else None) or (
            self.options.eval
        )
        if rows and columns.label not in rows[0]:
            raise DataError(
                f"{source.path}: no column {columns.label!r} for columns.label "
                f"(columns: {sorted(rows[0])})"
            )
        if self._label_names is None:
            values = sorted({row[columns.label] for row in rows}, key=str)
            if all(isinstance(v, int) for v in values):
                self._label_names = [str(v) for v in range(max(values) + 1)]
            else:
                self._label_names = [str(v) for v in values]
        examples = []
        for i, row in enumerate(rows):
            text = row.get(columns.text)
            if text is None:
                raise DataError(
                    f"{source.path}: data row {i + 1} has no text in column {columns.text!r}"
                )
            data = {"text": str(text)}
            if columns.text_pair:
                data["text_pair"] = str(row.get(columns.text_pair) or "")
            example_id = str(row[columns.id]) if columns.id else f"{split}-{i}"
            gold = self._label_index(row[columns.label], f"{source.path} data row {i + 1}")
            examples.append(Example(id=example_id, data=data, gold=gold))
        return examples

    def prompt(self, example: Example) -> str:
        """The zero-shot prompt for one example (verbalizer not included)."""
        if "text_pair" in example.data:
            return self.options.pair_template.format(**example.data)
        return self.options.template.format(**example.data)

    def _context(self, example: Example, demonstrations: Sequence[Example]) -> str:
        shots = [f"{self.prompt(d)} {self.verbalizers[d.gold]}\n\n" for d in demonstrations]
        return "".join(shots) + self.prompt(example)

    def requests_for(
        self, example: Example, demonstrations: Sequence[Example], context: EvalContext
    ) -> list[Any]:
        """One classifier call, or one log-likelihood request per label verbalizer."""
        if context.use_classifier_head:
            return [ClassificationRequest(example.data["text"], example.data.get("text_pair"))]
        prefix = self._context(example, demonstrations)
        return [LoglikelihoodRequest(prefix, f" {word}") for word in self.verbalizers]

    def score(self, example: Example, responses: Sequence[Any]) -> Prediction:
        """Pick the label with the highest probability or log-likelihood."""
        if isinstance(responses[0], ClassificationResult):
            scores = list(responses[0].probabilities)
            kind = "probability"
        else:
            scores = [r.logprob for r in responses if isinstance(r, LoglikelihoodResult)]
            kind = "loglikelihood"
        predicted = int(np.argmax(scores))
        names = self.label_names
        shown = example.data["text"]
        if "text_pair" in example.data:
            shown = f"{shown} ||| {example.data['text_pair']}"
        return Prediction(
            example_id=example.id,
            input=shown,
            gold=names[example.gold],
            prediction=names[predicted],
            correct=predicted == example.gold,
            details={
                "gold_index": example.gold,
                "prediction_index": predicted,
                "scores": {name: _finite(s) for name, s in zip(names, scores, strict=True)},
                "score_kind": kind,
            },
        )

    def metrics(
        self, predictions: Sequence[Prediction], *, seed: int = 0, n_resamples: int = 1000
    ) -> dict[str, MetricResult]:
        """Accuracy, F1 and MCC with seeded bootstrap CIs."""
        gold = np.array([p.details["gold_index"] for p in predictions], dtype=np.int64)
        pred = np.array([p.details["prediction_index"] for p in predictions], dtype=np.int64)
        hits = int(np.sum(gold == pred))  # accuracy is a proportion: Wilson at 0% and 100%
        return {
            name: metric_with_ci(
                fn,
                gold,
                pred,
                seed=seed,
                n_resamples=n_resamples,
                successes=hits if name == "accuracy" else None,
            )
            for name, fn in classification_metrics(len(self.label_names)).items()
        }

    def training_pairs(self, examples: Sequence[Example]) -> list[TrainingPair]:
        """Zero-shot prompt followed by the gold verbalizer."""
        return [TrainingPair(self.prompt(e), f" {self.verbalizers[e.gold]}") for e in examples]

    def preference_triples(
        self, examples: Sequence[Example], *, seed: int = 0
    ) -> list[PreferenceTriple]:
        """The gold verbalizer chosen over a wrong label's, drawn per item from the seed and id."""
        triples = []
        for example in examples:
            wrong = [i for i in range(len(self.verbalizers)) if i != example.gold]
            rejected = random.Random(f"{seed}:{example.id}").choice(wrong)
            triples.append(
                PreferenceTriple(
                    self.prompt(example),
                    f" {self.verbalizers[example.gold]}",
                    f" {self.verbalizers[rejected]}",
                )
            )
        return triples

    def describe(self) -> Mapping[str, Any]:
        """Data sources, label names and verbalizers, for provenance."""
        return {
            "name": self.name,
            "family": self.family,
            "options": self.options.model_dump(mode="json"),
        }


def _finite(value: float) -> float | None:
    return finite_or_none(round(float(value), 6))


def build_classification(name: str, options: Mapping[str, Any]) -> ClassificationTask:
    """Factory for a classification task declared with its own data sources."""
    return ClassificationTask(name, ClassificationOptions.model_validate(dict(options)))


register_task(
    TaskEntry(
        name="classification",
        family="classification",
        description="any text (pair) classification task from a local CSV/TSV/JSONL or hub id",
        build=build_classification,
    )
)
