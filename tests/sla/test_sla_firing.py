"""Firing on time: every level once, in order, after gaps and restarts; the deadline index."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportwatch.sla import ConversationSla, DeadlineIndex, SignalKind, SlaEngine
from supportwatch.sla.exceptions import StateError
from tests.sla.sla_testkit import T0, MakeEvent


def restart(state: ConversationSla) -> ConversationSla:
    return ConversationSla.from_dict(json.loads(json.dumps(state.to_dict())))


def test_advance_fires_each_level_when_due_and_once(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer", customer_id="cust-1")).state
    assert engine.next_due(state) == T0 + timedelta(seconds=30)
    assert engine.advance(state, (T0 + timedelta(seconds=29)).timestamp()).signals == []
    fired = engine.advance(state, (T0 + timedelta(seconds=30)).timestamp()).signals
    assert [(s.kind, s.level, s.due_at, s.fired_at) for s in fired] == [
        (SignalKind.WARNING, "warning:50%", T0 + timedelta(seconds=30), T0 + timedelta(seconds=30))]
    assert fired[0].conversation.customer_id == "cust-1" and fired[0].elapsed_seconds == 30
    assert engine.advance(state, (T0 + timedelta(seconds=30)).timestamp()).signals == []
    assert engine.next_due(state) == T0 + timedelta(seconds=48)


def test_a_gap_fires_every_missed_level_in_order_once_also_after_a_restart(engine: SlaEngine,
                                                                          ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    down_until = T0 + timedelta(minutes=10)
    missed = engine.advance(restart(state), down_until.timestamp())
    levels = [(s.clock.value, s.level) for s in missed.signals]
    assert levels == [("first_reply", "warning:50%"), ("first_reply", "warning:80%"), ("first_reply", "breach"),
                      ("first_reply", "critical")]
    assert [s.due_at for s in missed.signals] == sorted(s.due_at for s in missed.signals)
    assert all(s.fired_at == down_until for s in missed.signals)
    again = restart(missed.state)
    assert engine.advance(again, (down_until + timedelta(seconds=1)).timestamp()).signals == []
    assert engine.next_due(again) == T0 + timedelta(minutes=24)  # the resolution 80% warning


def test_levels_due_before_an_event_fire_before_it_is_applied(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    step = engine.apply(state, ev(100, "agent"))
    assert [(s.kind.value, s.level) for s in step.signals] == [
        ("warning", "warning:50%"), ("warning", "warning:80%"), ("breach", "breach"), ("stopped", "breach")]
    assert [o.within_target for o in step.outcomes] == [False]


def test_a_paused_clock_does_not_fire(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    engine.apply(state, ev(10, "on_hold"))
    assert engine.next_due(state) is None
    assert engine.advance(state, (T0 + timedelta(hours=5)).timestamp()).signals == []
    engine.apply(state, ev(5 * 3600, "open"))
    assert engine.next_due(state) == T0 + timedelta(hours=5, seconds=20)


def test_finished_only_when_closed_and_quiet(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    engine.apply(state, ev(10, "agent"))
    engine.apply(state, ev(20, "closed"))
    assert not state.finished  # the events may still be re-ordered
    engine.advance(state, (T0 + timedelta(minutes=5)).timestamp())
    assert state.finished and engine.next_due(state) is None
    engine.apply(state, ev(400, "customer"))
    assert not state.finished


def test_unknown_state_format_is_refused() -> None:
    with pytest.raises(StateError):
        ConversationSla.from_dict({"v": 99})


@given(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.one_of(st.none(), st.integers(0, 100))), max_size=80),
       st.integers(0, 100))
def test_deadline_index_agrees_with_a_dict(ops: list[tuple[str, int | None]], now: int) -> None:
    index: DeadlineIndex[str] = DeadlineIndex()
    model: dict[str, float] = {}
    for key, due in ops:
        index.set(key, None if due is None else float(due))
        if due is None:
            model.pop(key, None)
        else:
            model[key] = float(due)
    assert len(index) == len(model)
    assert index.peek() == (min(model.values()) if model else None)
    expected = sorted((due, key) for key, due in model.items() if due <= now)
    popped = index.pop_due(float(now))
    assert sorted(popped) == sorted(key for _, key in expected)
    assert [model[k] for k in popped] == sorted(model[k] for k in popped)  # earliest first
    assert set(index) == {k for k, due in model.items() if due > now}


def test_deadline_index_drops_stale_entries() -> None:
    index: DeadlineIndex[str] = DeadlineIndex()
    for i in range(1000):
        index.set("conv", float(i))
    assert len(index._heap) < 200  # rebuilt: stale entries do not pile up
    index.discard("conv")
    assert index.peek() is None and index.pop_due(10_000.0) == []
    index.set("a", 5.0)
    assert "a" in index and index.due_of("a") == 5.0 and index.due_of("b") is None
