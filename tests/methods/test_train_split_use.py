"""Each mode declares whether it reads the task's train split, given its options."""

import pytest

from benchlab.methods.registry import build_method


@pytest.mark.parametrize(
    ("method_type", "options", "reads_train"),
    [
        ("zero_shot", {}, False),
        ("few_shot", {"k": 2}, True),
        ("lora", {}, True),
        ("finetune", {}, True),
        ("sft", {}, True),
        ("sft", {"data": "rows.jsonl"}, False),  # its own file replaces the task's split
        ("dpo", {}, True),  # preference pairs built from the task's train split
        ("dpo", {"data": "prefs.jsonl"}, False),
        ("dpo", {"dataset": "org/prefs"}, False),  # a hub dataset replaces it too
        ("kto", {}, True),
        ("qlora", {}, True),
    ],
)
def test_needs_train_split(method_type: str, options: dict, reads_train: bool) -> None:
    assert build_method(method_type, options).needs_train_split() is reads_train
