"""The judge/program split: honest programs keep passing, values cross only as plain data."""

from __future__ import annotations

import math

import pytest

from benchlab.sandbox import Limits, Program, run_programs
from benchlab.sandbox._plain import NotPlain, decode, encode

LIMITS = Limits(wall_seconds=20.0, cpu_seconds=5)


def _refuse(value: object) -> tuple[str, int]:
    raise NotPlain(f"not plain: {type(value).__name__}")


def _handles(value: object) -> tuple[str, int]:
    return "ref", 7


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -(2**200),
        1.5,
        -0.0,
        complex(1, -2),
        "héllo \udcff",
        b"\x00\xff",
        [1, [2, (3, "x")]],
        {(1, 2): {"a": [None]}, "b": frozenset({1, 2})},
        {1, "two", (3,)},
        (),
    ],
)
def test_plain_values_round_trip_exactly(value: object) -> None:
    back = decode(encode(value, _refuse), _refuse)
    assert back == value
    assert type(back) is type(value)
    if type(value) is not set:  # a rebuilt set may iterate in another order
        assert repr(back) == repr(value)


def test_nan_round_trips() -> None:
    assert math.isnan(decode(encode(float("nan"), _refuse), _refuse))


def test_subclasses_and_custom_objects_never_cross_as_values() -> None:
    class Int(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    class Faked:
        __class__ = int  # type: ignore[assignment]

    for value in (Int(3), Faked(), [Int(3)], {"k": Faked()}, True.__class__):
        with pytest.raises(NotPlain):
            encode(value, _refuse)
    assert decode(encode([Int(3)], _handles), lambda tag, n: (tag, n)) == [("ref", 7)]


@pytest.mark.parametrize(
    "data",
    [b"", b"Q", b"I\x00\x00\x00\x09\x01", b"L\xff\xff\xff\xff", b"NN", b"L\x00\x00\x00\x01"],
)
def test_malformed_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(NotPlain):
        decode(data, _refuse)


def test_unhashable_keys_and_deep_nesting_are_refused() -> None:
    with pytest.raises(NotPlain):
        decode(b"E\x00\x00\x00\x01L\x00\x00\x00\x00", _refuse)
    deep: list = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(NotPlain):
        encode(deep, _refuse)


SETUP = (
    "class Node:\n    def __init__(self, data):\n        self.data = data\n"
    "        self.left = None\n        self.right = None\n"
    "root = Node(1)\nroot.left = Node(2)\nroot.left.left = Node(3)\n"
)
HONEST = {
    "exceptions_keep_their_builtin_type": Program(
        "class Bad(KeyError):\n    pass\ndef f(x):\n    if x < 0:\n        raise Bad('neg')\n"
        "    return x\n",
        "try:\n    f(-1)\nexcept KeyError as e:\n    assert 'neg' in str(e)\nelse:\n    raise "
        "AssertionError\nassert f(2) == 2\n",
    ),
    "generators_are_iterated_remotely": Program(
        "def evens(n):\n    return (i for i in range(n) if i % 2 == 0)\n",
        "assert list(evens(7)) == [0, 2, 4, 6]\nassert sorted(evens(3)) == [0, 2]\n",
    ),
    "program_classes_are_handles": Program(
        "class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n"
        "def longest(pairs, n):\n    return sum(1 for p in pairs[:n] if p.a < p.b)\n",
        "assert longest([Pair(5, 24), Pair(15, 25), Pair(27, 4)], 3) == 2\n"
        "p = Pair(1, 2)\nassert p.a == 1 and p == p\n",
    ),
    "setup_objects_pass_by_name": Program(
        SETUP + "def height(node):\n    if node is None:\n        return 0\n"
        "    return 1 + max(height(node.left), height(node.right))\n",
        "assert height(root) == 3\n",
        context=SETUP,
    ),
    "globals_and_floats": Program(
        "LIMIT = [1, 2.5, (3, 'x')]\ndef area(r):\n    import math\n    return math.pi * r * r\n",
        "import math\nassert LIMIT == [1, 2.5, (3, 'x')]\n"
        "assert math.isclose(area(2), 12.566370614359172)\nassert area(0) == 0.0\n",
    ),
    "output_is_kept": Program(
        "print('top')\ndef f():\n    print('call')\n    return None\n", "assert f() is None\n"
    ),
}


@pytest.fixture(scope="module")
def honest_results() -> dict:
    results = run_programs(list(HONEST.values()), limits=LIMITS, workers=2)
    return dict(zip(HONEST, results, strict=True))


@pytest.mark.parametrize("name", list(HONEST))
def test_honest_programs_pass(honest_results: dict, name: str) -> None:
    result = honest_results[name]
    assert result.passed, result.result
    if name == "output_is_kept":
        assert result.stdout == "top\ncall\n"


def test_a_test_passing_a_foreign_object_fails_clearly() -> None:
    program = Program("def f(x):\n    return 1\n", "assert f(object()) == 1\n")
    result = run_programs([program], limits=LIMITS)[0]
    assert result.status == "failed"
    assert "cannot pass 'object' to the program" in result.reason
