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
