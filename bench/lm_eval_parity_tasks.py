"""lm-eval task YAMLs (and JSONL copies of the items) that prompt exactly as benchlab does.

Used by lm_eval_parity.py: ARC and MMLU-STEM 0-shot over one JSONL each, 5-shot MMLU as one task
per subject (lm-eval's template, `first_n` shots from the subject's dev split), GSM8K 8-shot chain
of thought with lm-eval's exemplars and filters.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["OTHER", "write_lm_eval_tasks"]

#: Eight subjects outside STEM for 5-shot MMLU (prompts of ~500-700 tokens).
OTHER = [
    "high_school_geography",
    "marketing",
    "sociology",
    "world_religions",
    "us_foreign_policy",
    "philosophy",
    "nutrition",
    "management",
]


def _yaml(path: Path, fields: dict[str, Any]) -> None:
    import yaml

    path.write_text(yaml.safe_dump(fields, sort_keys=False, allow_unicode=True))


def write_lm_eval_tasks(
    folder: Path, tasks: dict[str, tuple[Any, list[Any]]], gen_toks: int
) -> None:
    """JSONL copies of the items and lm-eval YAMLs that prompt them as benchlab does."""
    from benchlab.tasks.math import COT_EXEMPLARS

    for name, (_, examples) in tasks.items():
        if name == "mmlu5":
            continue
        rows = [{"id": e.id, **dict(e.data), "gold": e.gold} for e in examples]
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    common = {
        "dataset_path": "json",
        "test_split": "test",
        "output_type": "multiple_choice",
        "doc_to_target": "{{gold}}",
        "metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}],
    }
    _yaml(
        folder / "parity_arc.yaml",
        {
            "task": "parity_arc",
            "dataset_kwargs": {"data_files": {"test": str(folder / "arc.jsonl")}},
            **common,
            "doc_to_text": "Question: {{question}}\nAnswer:",
            "doc_to_choice": "{{choices}}",
        },
    )
    letters = "\n".join(f"{c}. {{{{choices[{i}]}}}}" for i, c in enumerate("ABCD"))
    _yaml(
        folder / "parity_mmlu.yaml",
        {
            "task": "parity_mmlu",
            "dataset_kwargs": {"data_files": {"test": str(folder / "mmlu.jsonl")}},
            **common,
            "doc_to_text": "The following are multiple choice questions (with answers) about "
            "{{subject.replace('_', ' ')}}.\n\n{{question.strip()}}\n" + letters + "\nAnswer:",
            "doc_to_choice": ["A", "B", "C", "D"],
        },
    )
    mmlu5, examples = tasks["mmlu5"]
    dev = mmlu5.load_split("train")
    for subject in OTHER:
        for split, rows in (("test", examples), ("dev", dev)):
            lines = [
                json.dumps({**dict(e.data), "gold": e.gold}) for e in rows if e.group == subject
            ]
            (folder / f"mmlu5_{subject}_{split}.jsonl").write_text("".join(f"{x}\n" for x in lines))
        name = subject.replace("_", " ")
        _yaml(
            folder / f"parity_mmlu5_{subject}.yaml",
            {
                "task": f"parity_mmlu5_{subject}",
                "dataset_path": "json",
                "dataset_kwargs": {
                    "data_files": {
                        split: str(folder / f"mmlu5_{subject}_{split}.jsonl")
                        for split in ("test", "dev")
                    }
                },
                "test_split": "test",
                "fewshot_split": "dev",
                "fewshot_config": {"sampler": "first_n"},
                "num_fewshot": 5,
                "output_type": "multiple_choice",
                "description": "The following are multiple choice questions (with answers) "
                f"about {name}.\n\n",
                "doc_to_text": "{{question.strip()}}\n" + letters + "\nAnswer:",
                "doc_to_choice": ["A", "B", "C", "D"],
                "doc_to_target": "{{gold}}",
                "metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}],
            },
        )
    _yaml(
        folder / "parity_gsm8k.yaml",
        {
            "task": "parity_gsm8k",
            "dataset_path": "json",
            "dataset_kwargs": {"data_files": {"test": str(folder / "gsm8k.jsonl")}},
            "test_split": "test",
            "output_type": "generate_until",
            "doc_to_text": "Q: {{question}}\nA:",
            "doc_to_target": "{{gold if gold is defined else target}}",
            "num_fewshot": 8,
            "fewshot_config": {
                "sampler": "first_n",
                "samples": [{"question": q, "target": a} for q, a in COT_EXEMPLARS],
            },
            "generation_kwargs": {
                "until": ["Q:", "</s>", "<|im_end|>"],
                "do_sample": False,
                "max_gen_toks": gen_toks,
            },
            "filter_list": [
                {
                    "name": "strict-match",
                    "filter": [
                        {"function": "regex", "regex_pattern": "The answer is (\\-?[0-9\\.\\,]+)."},
                        {"function": "take_first"},
                    ],
                },
                {
                    "name": "flexible-extract",
                    "filter": [
                        {
                            "function": "regex",
                            "group_select": -1,
                            "regex_pattern": "(-?[$0-9.,]{2,})|(-?[0-9]+)",
                        },
                        {"function": "take_first"},
                    ],
                },
            ],
            "metric_list": [
                {
                    "metric": "exact_match",
                    "aggregation": "mean",
                    "higher_is_better": True,
                    "ignore_case": True,
                    "ignore_punctuation": False,
                    "regexes_to_ignore": [",", "\\$", "(?s).*#### ", "\\.$"],
                }
            ],
        },
    )
