"""The deadline index under interleaved updates and pops: deadlines that move later, earlier, away."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from supportwatch.sla import DeadlineIndex

KEYS = "abcdef"
# ("set", key, due or None) or ("pop", now)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from(KEYS), st.one_of(st.none(), st.integers(0, 60))),
        st.tuples(st.just("pop"), st.integers(0, 60)),
        st.tuples(st.just("peek")),
    ),
    max_size=120,
)


@given(ops)
def test_interleaved_updates_and_pops_agree_with_a_dict(script: list[tuple]) -> None:
    index: DeadlineIndex[str] = DeadlineIndex()
    model: dict[str, float] = {}
    for op in script:
        if op[0] == "set":
            _, key, due = op
            index.set(key, None if due is None else float(due))
            if due is None:
                model.pop(key, None)
            else:
                model[key] = float(due)
        elif op[0] == "pop":
            now = float(op[1])
            popped = index.pop_due(now)
            expected = {k for k, due in model.items() if due <= now}
            assert set(popped) == expected and len(popped) == len(expected)
            assert [model[k] for k in popped] == sorted(model[k] for k in popped)  # earliest first
            for key in popped:
                del model[key]
        else:
            assert index.peek() == (min(model.values()) if model else None)
        assert len(index) == len(model) and {k: index.due_of(k) for k in KEYS} == {k: model.get(k) for k in KEYS}


def test_a_deadline_that_moves_later_is_not_popped_at_its_old_time() -> None:
    index: DeadlineIndex[str] = DeadlineIndex()
    index.set("a", 10.0)
    index.set("b", 20.0)
    index.set("a", 30.0)
    assert index.pop_due(25.0) == ["b"]
    assert index.peek() == 30.0
    index.set("a", 5.0)  # and earlier again
    assert index.pop_due(5.0) == ["a"] and len(index) == 0 and index.peek() is None


def test_moving_a_deadline_later_does_not_grow_the_heap() -> None:
    index: DeadlineIndex[str] = DeadlineIndex()
    for due in range(1000):
        index.set("conv", float(due))
    assert len(index._heap) == 1
    assert index.pop_due(998.0) == [] and index.pop_due(999.0) == ["conv"]
