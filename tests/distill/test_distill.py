"""distill keeps only checked-correct rows (code executed in the sandbox), mixes an exact share,
and resumes where it stopped."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from benchlab.distill import DistillConfig, load_distill_config, mix_rows, run_distill
from benchlab.distill.mix import mix_count, stratified_counts
from benchlab.errors import ConfigError, DataError
from benchlab.progress import SilentProgress
from benchlab.requests import GenerationRequest, GenerationResult
from tests.tasks.test_humaneval_problems import TINY_PROBLEMS, WRONG_COMPLETIONS, write_problems

SUMS = {"1+1=": "2", "2+2=": "4", "3+3=": "6", "4+4=": "8"}
# question -> (greedy, samples); samples 0 and 1 of 1+1 differ only by spacing (one distinct)
SCRIPT = {
    "1+1=": (" 1+1=2 #### 2", [" 1+1=2 #### 2", " 1+1=2  #### 2", " 1+1=3 #### 3",
                               " 1 + 1 = 2 #### 2"]),
    "2+2=": (" #### 5", [" #### 5", " #### 5", " #### 4", " #### 5"]),
    "3+3=": (" #### 6", [" #### 7", " #### 7", " #### 7", " #### 7"]),
    "4+4=": (" #### 9", [" #### 8", " 4*2=8 #### 8", " #### 1", " #### 2"]),
}  # fmt: skip


class Scripted:
    """Greedy and sampled answers from a script; counts the items it is asked about."""

    def __init__(self, script: dict, fail_after: int | None = None) -> None:
        self.script, self.fail_after, self.asked = script, fail_after, []

    def answer(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        if self.fail_after is not None and len(self.asked) >= self.fail_after:
            raise KeyboardInterrupt  # killed mid-run
        out = []
        for request in requests:
            key = next(k for k in self.script if request.prompt.endswith(k) or k in request.prompt)
            self.asked.append(key)
            greedy, samples = self.script[key]
            sampling = request.num_samples > 1 or request.temperature > 0
            out.append(GenerationResult(tuple(samples[: request.num_samples]) if sampling
                                        else (greedy,)))  # fmt: skip
        return out


def _sums(tmp_path: Path) -> Path:
    path = tmp_path / "sums.jsonl"
    rows = [{"question": q, "answer": f"{q}{a} #### {a}"} for q, a in SUMS.items()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _config(tmp_path: Path, **overrides) -> DistillConfig:
    data = {
        "model": {"name": "tiny", "path": "builtin:tiny-causal", "kind": "causal"},
        "task": {"name": "sums", "type": "gsm8k", "eval": str(_sums(tmp_path)),
                 "train": str(tmp_path / "sums.jsonl"), "prompt": "sampled", "num_fewshot": 0},
        "output": str(tmp_path / "out" / "distilled.jsonl"),
        "samples": 4, "temperature": 0.8, "chunk_size": 2,
    }  # fmt: skip
    data.update(overrides)
    return DistillConfig.model_validate(data)


def _distill(config: DistillConfig, backend=None, **kwargs):
    backend = backend or Scripted(SCRIPT)
    return run_distill(config, SilentProgress(), lambda line: None, backend=lambda: backend,
                       **kwargs)  # fmt: skip


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_distinct_keeps_only_correct_rows_deduplicated_up_to_k(tmp_path: Path) -> None:
    result = _distill(_config(tmp_path, max_per_item=3))
    rows = _rows(result.path)
    assert [(r["item"], r["sample"], r["answer"]) for r in rows] == [
        ("train-0", 0, "2"),  # sample 1 is sample 0 with other spacing; sample 2 is wrong
        ("train-0", 3, "2"),
        ("train-1", 2, "4"),
        ("train-3", 0, "8"),
        ("train-3", 1, "8"),
    ]
    for row in rows:
        assert row["prompt"] == f"Question: {list(SUMS)[int(row['item'][-1])]}\nAnswer:"
        assert row["model"] == "tiny" and row["temperature"] == 0.8
        assert row["source"] == "distill:sums" and "gold" in row["check"]
    assert result.n_items_kept == 3 and result.n_distilled == 5


def test_equation_dedup_cap_and_majority_and_greedy(tmp_path: Path) -> None:
    by_equations = _rows(_distill(_config(tmp_path, max_per_item=3, dedup="equations")).path)
    assert [(r["item"], r["sample"]) for r in by_equations if r["item"] == "train-0"] == [
        ("train-0", 0)  # "1 + 1 = 2" computes the same equation as "1+1=2"
    ]
    capped = _rows(_distill(_config(tmp_path, max_per_item=1), fresh=True).path)
    assert Counter(r["item"] for r in capped) == {"train-0": 1, "train-1": 1, "train-3": 1}
    majority = _rows(_distill(_config(tmp_path, keep="majority", max_per_item=4)).path)
    # 2+2: majority 5 (wrong) -> nothing; 4+4: 8 is the majority (2 of 4) -> kept
    assert {r["item"] for r in majority} == {"train-0", "train-3"}
    greedy = _rows(_distill(_config(tmp_path, keep="greedy"), fresh=True).path)
    assert [(r["item"], r["sample"], r["temperature"]) for r in greedy] == [
        ("train-0", 0, 0.0),
        ("train-2", 0, 0.0),
    ]


def test_code_rows_are_executed_and_a_failing_completion_never_enters(tmp_path: Path) -> None:
    problems = write_problems(tmp_path / "tiny.jsonl.gz")
    script = {
        record["prompt"]: (
            record["canonical_solution"],
            [WRONG_COMPLETIONS[record["task_id"]], record["canonical_solution"]],
        )
        for record in TINY_PROBLEMS
    }
    # Tiny/2's "right" sample is a plausible-looking wrong one: only execution can tell
    script[TINY_PROBLEMS[2]["prompt"]] = (
        "    return sorted(xs)\n",
        ["    return xs\n", "    return sorted(xs)\n"],
    )
    config = _config(
        tmp_path,
        task={"name": "he", "type": "humaneval", "path": str(problems), "timeout": 5},
        split="eval",
        samples=2,
        max_per_item=2,
    )
    rows = _rows(_distill(config, Scripted(script)).path)
    assert [(r["item"], r["sample"]) for r in rows] == [("Tiny/0", 1), ("Tiny/1", 1)]
    completions = {r["completion"] for r in rows}
    assert completions.isdisjoint(WRONG_COMPLETIONS.values())
    assert "    return sorted(xs)\n" not in completions
    assert all(r["check"] == "tests passed in the sandbox" for r in rows)
    assert rows[0]["prompt"] == TINY_PROBLEMS[0]["prompt"]


def test_mix_share_is_exact_seeded_and_stratified_by_source() -> None:
    distilled = [{"prompt": f"p{i}", "completion": "c", "source": "distill:x"} for i in range(30)]
    original = [{"prompt": f"a{i}", "completion": "c", "source": "a"} for i in range(60)]
    original += [{"prompt": f"b{i}", "completion": "c", "source": "b"} for i in range(30)]
    mixed = mix_rows(distilled, original, share=0.25, seed=5)
    counts = Counter(r["source"] for r in mixed)
    # m = 30 * .25 / .75 = 10 original rows: exactly a quarter; a:b = 60:30 -> 6.67:3.33 -> 7:3
    assert counts == {"distill:x": 30, "a": 7, "b": 3}
    assert (counts["a"] + counts["b"]) / len(mixed) == 0.25
    assert mixed == mix_rows(distilled, original, share=0.25, seed=5)
    assert mixed != mix_rows(distilled, original, share=0.25, seed=6)
    assert mix_count(9, 0.1) == 1 and stratified_counts({"a": 1, "b": 1}, 1) == {"a": 1, "b": 0}
    with pytest.raises(DataError, match=r"mix\.share"):
        mix_rows(distilled, original[:5], share=0.5, seed=0)


def test_mix_from_a_file_in_the_written_output(tmp_path: Path) -> None:
    extra = tmp_path / "original.jsonl"
    extra.write_text("".join(json.dumps({"prompt": f"q{i}", "completion": "a"}) + "\n"
                             for i in range(10)))  # fmt: skip
    config = _config(tmp_path, max_per_item=3, mix={"data": str(extra), "share": 1 / 6})
    rows = _rows(_distill(config).path)
    assert len(rows) == 6 and Counter(r["source"] for r in rows)["original:original"] == 1
    task_mix = _config(tmp_path, max_per_item=1, mix={"data": "task", "share": 0.5, "seed": 1})
    rows = _rows(_distill(task_mix).path)
    assert Counter(r["source"] for r in rows) == {"distill:sums": 3, "original:sums": 3}


def test_rerun_continues_where_it_stopped_and_refuses_other_settings(tmp_path: Path) -> None:
    config = _config(tmp_path, max_per_item=3)
    crashing = Scripted(SCRIPT, fail_after=2)  # dies on the second chunk of 2 items
    with pytest.raises(KeyboardInterrupt):
        _distill(config, crashing)
    assert not config.output or not Path(config.output).exists()
    resumed = Scripted(SCRIPT)
    result = _distill(config, resumed)
    assert resumed.asked == ["3+3=", "4+4="]  # only the items not saved before
    assert _rows(result.path) == _rows(_distill(_config(tmp_path / "..", max_per_item=3)).path)
    untouched = Scripted(SCRIPT)
    _distill(config, untouched)
    assert untouched.asked == []
    with pytest.raises(ConfigError, match="--fresh"):
        _distill(_config(tmp_path, temperature=0.5))


def test_config_file_paths_and_errors(tmp_path: Path) -> None:
    _sums(tmp_path)
    path = tmp_path / "distill.yaml"
    path.write_text(
        "model: {name: tiny, path: 'builtin:tiny-causal', kind: causal, adapter: sft/adapter}\n"
        "task: {name: sums, type: gsm8k, train: sums.jsonl, eval: sums.jsonl}\n"
        "output: out/d.jsonl\nmix: {data: sums.jsonl, share: 0.1}\n"
    )
    config = load_distill_config(path)
    assert config.output == str(tmp_path / "out" / "d.jsonl")
    assert config.model.adapter == str(tmp_path / "sft" / "adapter")
    assert config.task.options["train"] == str(tmp_path / "sums.jsonl")
    assert config.mix.data == str(tmp_path / "sums.jsonl")
    path.write_text("model: {name: tiny, path: x, kind: causal}\ntask: {name: s}\n"
                    "output: o.jsonl\nkeep: best\n")  # fmt: skip
    with pytest.raises(ConfigError, match="keep"):
        load_distill_config(path)
