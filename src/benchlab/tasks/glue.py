"""GLUE tasks (SST-2, RTE, MNLI matched/mismatched) with the prompts users expect.

Each is a classification task whose defaults point at the hub copy of GLUE and its dev split;
any field (a local `eval` path, verbalizers, template) can be overridden in the config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from benchlab.tasks.classification import ClassificationOptions, ClassificationTask
from benchlab.tasks.registry import TaskEntry, register_task

__all__ = ["GLUE_DEFAULTS"]

_NLI_TEMPLATE = "{text}\nQuestion: {text_pair} True, False or Neither?\nAnswer:"

GLUE_DEFAULTS: dict[str, dict[str, Any]] = {
    "sst2": {
        "train": {"path": "nyu-mll/glue", "name": "sst2", "split": "train"},
        "eval": {"path": "nyu-mll/glue", "name": "sst2", "split": "validation"},
        "columns": {"text": "sentence", "label": "label", "id": "idx"},
        "label_names": ["negative", "positive"],
        "template": "Review: {text}\nSentiment:",
    },
    "rte": {
        "train": {"path": "nyu-mll/glue", "name": "rte", "split": "train"},
        "eval": {"path": "nyu-mll/glue", "name": "rte", "split": "validation"},
        "columns": {"text": "sentence1", "text_pair": "sentence2", "label": "label", "id": "idx"},
        "label_names": ["entailment", "not_entailment"],
        "verbalizers": ["True", "False"],
        "pair_template": "{text}\nQuestion: {text_pair} True or False?\nAnswer:",
    },
    "mnli_matched": {
        "train": {"path": "nyu-mll/glue", "name": "mnli", "split": "train"},
        "eval": {"path": "nyu-mll/glue", "name": "mnli", "split": "validation_matched"},
        "columns": {"text": "premise", "text_pair": "hypothesis", "label": "label", "id": "idx"},
        "label_names": ["entailment", "neutral", "contradiction"],
        "verbalizers": ["True", "Neither", "False"],
        "pair_template": _NLI_TEMPLATE,
    },
    "mnli_mismatched": {
        "train": {"path": "nyu-mll/glue", "name": "mnli", "split": "train"},
        "eval": {"path": "nyu-mll/glue", "name": "mnli", "split": "validation_mismatched"},
        "columns": {"text": "premise", "text_pair": "hypothesis", "label": "label", "id": "idx"},
        "label_names": ["entailment", "neutral", "contradiction"],
        "verbalizers": ["True", "Neither", "False"],
        "pair_template": _NLI_TEMPLATE,
    },
}

_DESCRIPTIONS = {
    "sst2": "GLUE SST-2 sentiment (eval: dev, 872 sentences)",
    "rte": "GLUE RTE entailment (eval: dev, 277 pairs)",
    "mnli_matched": "GLUE MNLI, matched dev (9,815 pairs)",
    "mnli_mismatched": "GLUE MNLI, mismatched dev (9,832 pairs)",
}


def _glue_factory(task_type: str):
    def build(name: str, overrides: Mapping[str, Any]) -> ClassificationTask:
        merged = {**GLUE_DEFAULTS[task_type], **dict(overrides)}
        if "holdout_fraction" in overrides and "train" not in overrides:
            merged.pop("train")
        return ClassificationTask(name, ClassificationOptions.model_validate(merged))

    return build


for _task_type, _description in _DESCRIPTIONS.items():
    register_task(TaskEntry(_task_type, "classification", _description, _glue_factory(_task_type)))
