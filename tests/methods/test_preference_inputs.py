"""Preference data and options: one clear error per bad input, before anything runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from benchlab.errors import ConfigError, DataError
from benchlab.methods.preference_data import drop_ties, read_rows, unpaired
from benchlab.methods.training import history_of
from benchlab.runner.planning import load_plan
from tests.helpers import write_jsonl
from tests.methods.preference_study import sentiment_task, write_study

PAIR = {"prompt": "Review: great\nSentiment:", "chosen": " positive", "rejected": " negative"}


def _plan(tmp_path: Path, *modes: dict) -> None:
    load_plan(write_study(tmp_path, list(modes)))


def test_a_preference_file_missing_rejected_fails_at_validate_time(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "prefs.jsonl", [PAIR, {"prompt": "p", "chosen": "a"}])
    with pytest.raises(ConfigError) as error:
        _plan(tmp_path, {"name": "dpo", "type": "dpo", "data": "prefs.jsonl"})
    message = str(error.value)
    assert "prefs.jsonl line 2" in message and "missing ['rejected']" in message
    assert "modes[0] (dpo)" in message


def test_chat_rows_are_read_and_ties_are_counted_dropped_and_named(tmp_path: Path) -> None:
    chat = {
        "prompt": [{"role": "user", "content": "Say yes"}],
        "chosen": [{"role": "assistant", "content": "yes"}],
        "rejected": [{"role": "assistant", "content": "no"}],
    }
    tie = {**PAIR, "rejected": PAIR["chosen"]}
    rows = read_rows(write_jsonl(tmp_path / "prefs.jsonl", [PAIR, chat, tie, tie]))
    warnings: list[str] = []
    kept = drop_ties(rows, warnings.append, "prefs.jsonl")
    assert kept == [PAIR, chat]
    assert warnings == [
        "warning: 2 of 4 preference rows of prefs.jsonl have chosen == rejected and were "
        "dropped (they carry no preference)"
    ]
    with pytest.raises(DataError, match="every preference row has chosen == rejected"):
        drop_ties([tie], warnings.append, "prefs.jsonl")


def test_bad_json_and_a_missing_file_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n{oops\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.jsonl line 2: not valid JSON"):
        read_rows(bad)
    with pytest.raises(DataError, match="not found"):
        read_rows(tmp_path / "absent.jsonl")


@pytest.mark.parametrize(
    ("modes", "expected"),
    [
        ([{"name": "dpo", "type": "dpo", "base_mode": "sft"}], "'sft', which is not a mode"),
        (
            [
                {"name": "a", "type": "dpo", "base_mode": "b"},
                {"name": "b", "type": "sft", "base_mode": "a"},
            ],
            "circular base_mode",
        ),
        ([{"name": "dpo", "type": "dpo", "loss_type": ["sigmoid", "nope"]}], "unknown DPO loss"),
        (
            [{"name": "dpo", "type": "dpo", "loss_type": ["sigmoid", "sft"], "loss_weights": [1]}],
            "one weight per loss_type",
        ),
        ([{"name": "dpo", "type": "dpo", "peft": "full", "quantization": "nf4"}], "peft: lora"),
        ([{"name": "dpo", "type": "dpo", "data": "x.jsonl", "dataset": "a/b"}], "not both"),
    ],
)
def test_bad_modes_fail_at_validate_time(tmp_path: Path, modes: list, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        _plan(tmp_path, *modes)


@pytest.mark.parametrize(
    "mode",
    [
        {"name": "qlora", "type": "qlora"},
        {"name": "sft", "type": "sft", "quantization": "nf4"},
        {"name": "dpo", "type": "dpo", "quantization": "nf4"},
    ],
)
def test_4bit_without_bitsandbytes_fails_at_validate_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: dict
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "bitsandbytes" else find_spec(name, *args),
    )
    with pytest.raises(ConfigError, match="needs bitsandbytes, which is not installed"):
        _plan(tmp_path, mode)


def test_the_sentiment_task_prefers_its_gold_verbalizer_over_a_seeded_wrong_one() -> None:
    task = sentiment_task()
    examples = task.load_split("train")[:40]
    triples = task.training_data("preference", examples, seed=3)
    pairs = task.training_data("sft", examples)
    assert [t.prompt for t in triples] == [p.prompt for p in pairs]
    assert [t.chosen for t in triples] == [p.target for p in pairs]
    assert all(t.rejected in (" negative", " positive") and t.rejected != t.chosen for t in triples)
    assert triples == task.training_data("preference", examples, seed=3)


def test_kto_rows_split_each_pair_into_a_desirable_and_an_undesirable_answer() -> None:
    assert unpaired([PAIR]) == [
        {"prompt": PAIR["prompt"], "completion": " positive", "label": True},
        {"prompt": PAIR["prompt"], "completion": " negative", "label": False},
    ]


def test_history_keeps_per_step_reward_metrics() -> None:
    log = [
        {"step": 1, "epoch": 0.5, "loss": 0.69, "rewards/margins": 0.0, "grad_norm": 1.0},
        {"step": 2, "epoch": 1.0, "loss": 0.5, "rewards/margins": 0.4, "logps/chosen": -3.0},
        {"step": 2, "epoch": 1.0, "eval_loss": 0.6, "eval_rewards/margins": 0.3},
    ]
    history = history_of(log, step_metrics=("rewards/", "logps/"))
    assert history["train_metrics"] == [
        {"step": 1, "epoch": 0.5, "rewards/margins": 0.0},
        {"step": 2, "epoch": 1.0, "rewards/margins": 0.4, "logps/chosen": -3.0},
    ]
    assert history["eval"] == [{"step": 2, "epoch": 1.0, "loss": 0.6, "rewards/margins": 0.3}]
    assert "train_metrics" not in history_of(log)  # SFT / LoRA histories are unchanged


def test_dataset_rows_are_read_through_datasets_and_checked(tmp_path: Path) -> None:
    from benchlab.methods.preference_data import hub_rows

    folder = tmp_path / "prefs"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [PAIR, {**PAIR, "chosen": " neutral"}])
    assert hub_rows(str(folder), "train") == [PAIR, {**PAIR, "chosen": " neutral"}]
    write_jsonl(folder / "train.jsonl", [{"prompt": "p", "chosen": "a"}])
    with pytest.raises(DataError, match=r"row 0: missing \['rejected'\]"):
        hub_rows(str(folder), "train")
    with pytest.raises(DataError, match="cannot load preference dataset"):
        hub_rows(str(tmp_path / "absent"), "train")
