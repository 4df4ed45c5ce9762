"""Few-shot demonstrations come from the train split with a fixed seed, never the eval item."""

from benchlab.tasks.base import Example
from benchlab.tasks.fewshot import FewShotSampler


def _examples(prefix: str, n: int) -> list[Example]:
    return [Example(f"{prefix}-{i}", {"text": f"{prefix} text {i}"}, i % 2) for i in range(n)]


def test_demonstrations_come_from_the_pool_only() -> None:
    train, evaluation = _examples("train", 30), _examples("eval", 40)
    sampler = FewShotSampler(train, k=5, seed=1)
    train_ids = {e.id for e in train}
    for example in evaluation:
        demos = sampler(example)
        assert len(demos) == 5
        assert {d.id for d in demos} <= train_ids


def test_an_item_present_in_the_pool_is_never_its_own_demonstration() -> None:
    pool = _examples("x", 6)
    sampler = FewShotSampler(pool, k=5, seed=0)
    for example in pool:
        assert example not in sampler(example)
    duplicate = Example("other-id", dict(pool[0].data), 0)
    assert all(d.data != duplicate.data for d in sampler(duplicate))


def test_draw_is_seeded_and_order_independent() -> None:
    pool, evaluation = _examples("t", 50), _examples("e", 10)
    first = [FewShotSampler(pool, 3, seed=9)(e) for e in evaluation]
    reversed_order = [FewShotSampler(pool, 3, seed=9)(e) for e in reversed(evaluation)]
    assert first == list(reversed(reversed_order))
    assert first != [FewShotSampler(pool, 3, seed=10)(e) for e in evaluation]


def _grouped(n_per_group: int) -> list[Example]:
    return [
        Example(f"{g}-{i}", {"text": f"{g} text {i}"}, i % 2, g)
        for g in ("algebra", "law")
        for i in range(n_per_group)
    ]


def test_grouped_items_draw_from_their_own_group() -> None:
    pool = _grouped(8)
    item = Example("eval-law", {"text": "a law question"}, 0, "law")
    for rule in ("random", "first_n"):
        demos = FewShotSampler(pool, 5, seed=3, rule=rule)(item)
        assert [d.group for d in demos] == ["law"] * 5
    mixed = FewShotSampler(pool, 5, seed=3, same_group=False)
    assert any(
        d.group == "algebra" for i in range(20) for d in mixed(Example(f"e{i}", {}, 0, "law"))
    )


def test_first_n_is_lm_evals_rule_the_same_shots_for_every_item() -> None:
    pool = _grouped(8)
    sampler = FewShotSampler(pool, 5, seed=0, rule="first_n")
    items = [Example(f"eval-{i}", {"text": f"q {i}"}, 0, "algebra") for i in range(4)]
    expected = [e.id for e in pool if e.group == "algebra"][:5]
    assert all([d.id for d in sampler(e)] == expected for e in items)
    # An item that is itself among the first five is skipped, the sixth takes its place.
    assert [d.id for d in sampler(pool[0])] == [e.id for e in pool[1:6]]


def test_a_group_too_small_for_k_is_refused() -> None:
    import pytest

    from benchlab.errors import DataError

    pool = _grouped(3)
    with pytest.raises(DataError, match="group 'law' has only 3"):
        FewShotSampler(pool, 4, seed=0)(Example("x", {}, 0, "law"))
