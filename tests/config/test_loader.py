"""Malformed configs give one clear error naming file, field and value, and write nothing."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from benchlab.cli.main import app
from benchlab.errors import ConfigError
from benchlab.runner.planning import load_plan
from tests.helpers import write_config, write_jsonl


def _mutate(path: Path, change) -> Path:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_valid_config_expands_compatible_matrix(tmp_path: Path) -> None:
    plan = load_plan(write_config(tmp_path / "c.yaml"))
    ids = [spec.id for spec in plan.experiments]
    assert ids == [
        "tiny-bert_sentiment_finetune",
        "tiny-llama_sentiment_zero-shot",
        "tiny-llama_sentiment_few-shot",
        "tiny-llama_sentiment_lora",
    ]


def test_include_and_exclude_rules(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "c.yaml",
        matrix={
            "include": [{"models": ["tiny-*"], "modes": ["*-shot", "finetune"]}],
            "exclude": [{"modes": ["few-shot"]}],
        },
    )
    ids = [spec.id for spec in load_plan(path).experiments]
    assert ids == ["tiny-bert_sentiment_finetune", "tiny-llama_sentiment_zero-shot"]


def test_several_seeds_get_their_own_ids(tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.yaml", seeds=[1, 2])
    ids = [spec.id for spec in load_plan(path).experiments]
    assert "tiny-llama_sentiment_lora_s2" in ids and len(ids) == 8


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["models"][0].update(colour="red"),
            r"c\.yaml: models\[0\]\.colour: unknown field; allowed fields: \[.*'kind'",
        ),
        (
            lambda d: d["models"][1].update(batch_size="lots"),
            r"c\.yaml: models\[1\]\.batch_size: .*integer.*\(got 'lots'\)",
        ),
        (
            lambda d: d["models"][0].update(kind="seq2seq"),
            r"models\[0\]\.kind: Input should be 'encoder', 'causal', 'api' or 'vlm' "
            r"\(got 'seq2seq'\)",
        ),
        (
            lambda d: d["tasks"].append({"name": "squad"}),
            r"tasks\[1\]: unknown task 'squad'; available: \[.*'sst2'",
        ),
        (
            lambda d: d["modes"].append({"name": "magic"}),
            r"modes\[4\]: unknown mode type 'magic'; available: \[.*'lora'",
        ),
        (
            lambda d: d["modes"][3].update(rank=4),
            r"modes\[3\]\.rank: unknown field; allowed fields: \[.*'r'",
        ),
        (
            lambda d: d["modes"][2].update(k=0),
            r"modes\[2\]\.k: Input should be greater than or equal to 1 \(got 0\)",
        ),
        (
            lambda d: d["tasks"][0].update(eval="missing/nowhere.jsonl"),
            r"tasks\[0\] \(sentiment\): data file not found: missing/nowhere\.jsonl",
        ),
        (
            lambda d: d["tasks"][0]["columns"].update(label="sentiment_label"),
            r"columns\.label is 'sentiment_label' but the file has columns",
        ),
        (
            lambda d: d.update(matrix={"include": [{"models": ["gpt-*"]}]}),
            r"matrix\.include\[0\]\.models: 'gpt-\*' matches no model",
        ),
        (
            lambda d: d["models"].append(dict(d["models"][0])),
            r"c\.yaml: models: duplicate names \['tiny-bert'\]$",
        ),
        (
            lambda d: d.update(default_profile="fast"),
            r"c\.yaml: default_profile 'fast' is not one of \[",
        ),
        (
            lambda d: d.update(matrix={"includes": []}),
            r"matrix\.includes: unknown field; allowed fields: \['exclude', 'include'\]",
        ),
        (
            lambda d: d.update(matrix={"include": [{"mode": ["x"]}]}),
            r"matrix\.include\[0\]\.mode: unknown field; allowed fields: \[.*'modes'",
        ),
        (
            lambda d: d["tasks"][0].update(colums={}),
            r"tasks\[0\]\.colums: unknown field; allowed fields: \[.*'columns'",
        ),
        (
            lambda d: d["models"][0].update(path="builtin:tiny-foo"),
            r"models\[0\]\.path: unknown built-in model 'builtin:tiny-foo'; available",
        ),
        (
            lambda d: d["models"][0].update(path="./models/my-bert"),
            r"models\[0\]\.path: './models/my-bert' is not a saved model directory",
        ),
    ],
)
def test_malformed_config_gives_one_clear_error(tmp_path: Path, change, expected: str) -> None:
    path = _mutate(write_config(tmp_path / "c.yaml"), change)
    with pytest.raises(ConfigError, match=expected):
        load_plan(path)


def test_cli_prints_one_line_and_writes_nothing(tmp_path: Path) -> None:
    path = _mutate(write_config(tmp_path / "c.yaml"), lambda d: d.update(sedes=[1]))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "sedes: unknown field" in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found: .*nope\.yaml"):
        load_plan(tmp_path / "nope.yaml")


def test_relative_data_paths_resolve_against_the_config(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write_jsonl(tmp_path / "data" / "e.jsonl", [{"text": "a b", "label": "negative", "id": "1"}])
    path = _mutate(
        write_config(tmp_path / "c.yaml"),
        lambda d: d["tasks"][0].update(eval="data/e.jsonl"),
    )
    assert load_plan(path).experiments


def test_shipped_configs_validate() -> None:
    root = Path(__file__).resolve().parents[2] / "configs"
    for name in ("quick.yaml", "full.yaml"):
        plan = load_plan(root / name)
        assert plan.experiments
    assert len(load_plan(root / "full.yaml").experiments) == 30


def _with_untrainable_tasks(tmp_path: Path, **overrides) -> Path:
    """The study config plus tasks that have no train split: HumanEval and eval-only files."""
    from tests.tasks.test_humaneval_problems import write_problems

    problems = write_problems(tmp_path / "problems.jsonl.gz")
    choices = write_jsonl(
        tmp_path / "mc.jsonl",
        [{"id": "q1", "question": "2+2?", "choices": ["3", "4"], "answer": 1}],
    )
    sft_data = write_jsonl(tmp_path / "sft.jsonl", [{"prompt": "a", "completion": "b"}])
    path = write_config(tmp_path / "c.yaml", **overrides)
    data = yaml.safe_load(path.read_text())
    eval_only = {k: v for k, v in data["tasks"][0].items() if k != "train"}
    data["tasks"] += [
        {"name": "code", "type": "humaneval", "path": str(problems)},
        {**eval_only, "name": "eval-only"},
        {"name": "mc", "type": "multiple_choice", "eval": str(choices)},
    ]
    data["modes"] += [
        {"name": "sft-task", "type": "sft"},
        {"name": "sft-file", "type": "sft", "data": str(sft_data)},
    ]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_modes_needing_train_data_skip_tasks_without_it_when_globs_select_them(
    tmp_path: Path,
) -> None:
    ids = [spec.id for spec in load_plan(_with_untrainable_tasks(tmp_path)).experiments]
    sentiment = ["zero-shot", "few-shot", "lora", "sft-task", "sft-file"]
    untrainable = ["zero-shot", "sft-file"]  # sft on its own data file needs no task train split
    assert ids == [
        "tiny-bert_sentiment_finetune",
        *(f"tiny-llama_sentiment_{mode}" for mode in sentiment),
        *(
            f"tiny-llama_{task}_{mode}"
            for task in ("code", "eval-only", "mc")
            for mode in untrainable
        ),
    ]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            {"tasks": ["code"], "modes": ["few-shot"]},
            r"c\.yaml: matrix\.include\[1\] pairs task 'code' with mode 'few-shot', but few_shot "
            r"reads the task's train split and 'code' has none \(a humaneval task never has one\): "
            r"leave the pair out of matrix\.include\[1\]$",
        ),
        (
            {"tasks": ["code"], "modes": ["sft-task"]},
            r"pairs task 'code' with mode 'sft-task', but sft reads .* give modes\[4\] its own "
            r"`data` file, or leave",
        ),
        (
            {"models": ["tiny-llama"], "tasks": ["eval-only", "sentiment"], "modes": ["lora"]},
            r"pairs task 'eval-only' with mode 'lora', .*: set `train` or `holdout_fraction` on "
            r"tasks\[2\], or leave",
        ),
        (
            {"tasks": ["mc"], "modes": ["zero-shot", "few-shot"]},
            r"pairs task 'mc' with mode 'few-shot', .*: set `train` on tasks\[3\], or leave",
        ),
    ],
)
def test_naming_a_mode_with_a_task_lacking_its_train_data_is_one_clear_error(
    tmp_path: Path, rule: dict, expected: str
) -> None:
    path = _with_untrainable_tasks(tmp_path, matrix={"include": [{"modes": ["zero-shot"]}, rule]})
    with pytest.raises(ConfigError, match=expected) as error:
        load_plan(path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and str(error.value) in lines[0]


def test_shipped_code_config_validates_where_the_local_humaneval_copy_exists() -> None:
    config = Path(__file__).resolve().parents[2] / "configs" / "code-local.yaml"
    data = (config.parent / "../../shared/data/humaneval/HumanEval.jsonl.gz").resolve()
    if not data.is_file():
        pytest.skip(f"no local HumanEval copy at {data}")
    plan = load_plan(config)
    assert [spec.id for spec in plan.experiments] == ["tiny-llama_humaneval_zero-shot"]
    assert plan.experiments[0].profile.max_eval_examples


def test_a_judge_config_given_to_run_says_which_command_takes_it() -> None:
    judge_config = Path(__file__).resolve().parents[2] / "configs" / "judge.yaml"
    with pytest.raises(ConfigError, match=r"judge\.yaml: this is a judge config .*benchlab judge"):
        load_plan(judge_config)
