"""MMLU: 57 subjects, the standard 5-shot prompt from the dev split, per-subject scores.

Defaults follow lm-evaluation-harness's `mmlu` tasks: the description line naming the subject,
"question\\nA. ..\\nAnswer:" with letter continuations, the first five dev items of the same
subject as demonstrations, and the aggregate as the mean over all items (weighted by size).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from benchlab.tasks.multiple_choice import MultipleChoiceTask, preset
from benchlab.tasks.registry import TaskEntry, register_task

__all__ = ["MMLU_CATEGORIES", "MMLU_SUBJECTS", "STEM_SUBJECTS"]

_BY_CATEGORY = {
    "stem": (
        "abstract_algebra anatomy astronomy college_biology college_chemistry "
        "college_computer_science college_mathematics college_physics computer_security "
        "conceptual_physics electrical_engineering elementary_mathematics high_school_biology "
        "high_school_chemistry high_school_computer_science high_school_mathematics "
        "high_school_physics high_school_statistics machine_learning"
    ),
    "humanities": (
        "formal_logic high_school_european_history high_school_us_history "
        "high_school_world_history international_law jurisprudence logical_fallacies "
        "moral_disputes moral_scenarios philosophy prehistory professional_law world_religions"
    ),
    "social_sciences": (
        "econometrics high_school_geography high_school_government_and_politics "
        "high_school_macroeconomics high_school_microeconomics high_school_psychology "
        "human_sexuality professional_psychology public_relations security_studies sociology "
        "us_foreign_policy"
    ),
    "other": (
        "business_ethics clinical_knowledge college_medicine global_facts human_aging management "
        "marketing medical_genetics miscellaneous nutrition professional_accounting "
        "professional_medicine virology"
    ),
}

#: Subject -> lm-eval's category (stem, humanities, social_sciences, other).
MMLU_CATEGORIES: dict[str, str] = {
    subject: category for category, names in _BY_CATEGORY.items() for subject in names.split()
}
MMLU_SUBJECTS: list[str] = sorted(MMLU_CATEGORIES)
STEM_SUBJECTS: list[str] = sorted(s for s, c in MMLU_CATEGORIES.items() if c == "stem")

_DEFAULTS: dict[str, Any] = {
    "eval": {"path": "cais/mmlu", "name": "all", "split": "test"},
    "train": {"path": "cais/mmlu", "name": "all", "split": "dev"},
    "prompt_style": "letters",
    "description": (
        "The following are multiple choice questions (with answers) about {subject}.\n\n"
    ),
    "num_fewshot": 5,
    "fewshot_rule": "first_n",
}


def _mmlu_factory(defaults: Mapping[str, Any]):
    """Like `preset`, but a local authors' folder as `eval` also supplies its dev split."""
    build = preset(defaults, categories=MMLU_CATEGORIES)

    def build_mmlu(name: str, overrides: Mapping[str, Any]) -> MultipleChoiceTask:
        options = dict(overrides)
        source = options.get("eval")
        path = source if isinstance(source, str) else (source or {}).get("path")
        if path and Path(path).is_dir() and "train" not in options:
            if isinstance(source, str):
                options["eval"] = {"path": path, "split": "test"}
            options["train"] = {"path": path, "split": "dev"}
        return build(name, options)

    return build_mmlu


register_task(
    TaskEntry(
        "mmlu",
        "multiple_choice",
        "MMLU, 57 subjects (5-shot from dev); per-subject and category scores. Local: the "
        "authors' CSV folder as eval: {path: DIR, split: test}, train: {path: DIR, split: dev}",
        _mmlu_factory(_DEFAULTS),
    )
)
register_task(
    TaskEntry(
        "mmlu_stem",
        "multiple_choice",
        "MMLU STEM group (19 subjects, 5-shot from dev), as lm-eval's mmlu_stem",
        _mmlu_factory({**_DEFAULTS, "subjects": STEM_SUBJECTS}),
    )
)
