"""What a conversation keeps is bounded: the log by a count as well as by the lateness (an event
that would precede what was folded away is late), and ``emitted`` by the cycles still re-appliable."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.events.model import Event
from supportwatch.sla import BusinessCalendar, ConversationSla, PolicySet, SlaEngine, dedup
from supportwatch.sla import log as buffer
from supportwatch.sla.state import EMITTED_SLACK
from tests.sla.sla_testkit import MakeEvent, event_factory, feed, script_events, shuffled_within

ACTIONS = ["customer", "customer", "agent", "bot", "pending", "open", "solved", "urgent", "billing"]
scripts = st.lists(st.tuples(st.integers(0, 400), st.sampled_from(ACTIONS)), min_size=1, max_size=25)


def test_the_log_holds_at_most_max_buffered_events(policies: PolicySet, ev: MakeEvent) -> None:
    engine = SlaEngine(policies, lateness=timedelta(seconds=600), max_buffered=4)
    state = engine.apply(None, ev(0, "customer")).state
    for at in range(1, 10):
        engine.apply(state, ev(at, "bot"))
        assert buffer.size(state.log) <= 4
    assert [ts - state.watermark for ts, *_ in buffer.records(state.log or ())] == [-3.0, -2.0, -1.0, 0.0]
    assert engine.apply(state, ev(4.5, "agent")).dropped == "late"  # before the last event folded away (5)
    step = engine.apply(state, ev(5.5, "agent"))  # after it: re-ordered as usual
    assert step.dropped is None and [o.elapsed_seconds for o in step.outcomes] == [5.5]
    restored = ConversationSla.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.floor == state.floor and engine.apply(restored, ev(4.5, "bot")).dropped == "late"


def test_the_floor_goes_once_the_lateness_covers_it(policies: PolicySet, ev: MakeEvent) -> None:
    engine = SlaEngine(policies, lateness=timedelta(seconds=60), max_buffered=2)
    state = engine.apply(None, ev(0, "customer")).state
    for at in (1, 2, 3):
        engine.apply(state, ev(at, "bot"))
    assert state.floor is not None
    engine.apply(state, ev(120, "customer"))
    assert state.floor is None and buffer.size(state.log) == 1


def _in_order_of(events: list[Event]) -> list[Event]:
    return sorted(events, key=lambda e: (e.occurred_at.timestamp(), dedup.order_key(dedup.digest(e.event_id))))


@settings(max_examples=150)
@given(scripts, st.data(), st.integers(1, 4))
def test_a_bounded_log_applies_what_it_accepts_in_event_order(policies: PolicySet, script: list[tuple[int, str]],
                                                               data: st.DataObject, max_buffered: int) -> None:
    """Whatever arrives out of order: the state is the in-order state of the events not dropped."""
    engine = SlaEngine(policies, lateness=timedelta(seconds=300), max_buffered=max_buffered)
    events = script_events(script, "conv-b")
    state: ConversationSla | None = None
    accepted = []
    for event in data.draw(shuffled_within(events, 300)):
        step = engine.apply(state, event)
        state = step.state
        if step.dropped is None:
            accepted.append(event)
        assert buffer.size(state.log) <= max_buffered
    in_order, _, _ = feed(SlaEngine(policies, lateness=timedelta(seconds=300)), _in_order_of(accepted))
    assert state is not None and state.core.to_list() == in_order.core.to_list()


def test_emitted_keeps_only_the_cycles_that_can_still_be_reapplied(engine: SlaEngine) -> None:
    """A customer who writes every 10 minutes and is answered after 5: a new cycle each time."""
    ev = event_factory("conv-long", channel="chat")
    state = None
    longest = 0
    for n in range(300):
        for at, what in ((600 * n, "customer"), (600 * n + 300, "agent")):
            state = engine.apply(state, ev(at, what)).state
            longest = max(longest, len(state.emitted))
    assert state is not None and state.core.next is not None and state.core.next.cycle == 299
    assert longest <= EMITTED_SLACK + 6  # one cycle of each clock beyond the slack


def test_a_conversation_begun_in_2000_on_business_hours_costs_segments_per_event(
        policies: PolicySet, monkeypatch: pytest.MonkeyPatch) -> None:
    """email-billing counts office hours (Berlin); its clocks started in 2000 and events come in
    2026: each event visits a few days per DST segment, not the ~9,500 days since (days visited are
    asserted, not time: BENCHMARKS.md, "SLA engine", has the milliseconds)."""
    engine = SlaEngine(policies)
    ev = event_factory("conv-2000", channel="email")
    since_2000 = (datetime(2026, 3, 2, 10, tzinfo=UTC) - datetime(2000, 1, 3, 9, tzinfo=UTC)).total_seconds()
    state = engine.apply(None, ev(-since_2000, "customer", team="billing")).state
    assert state.core.first is not None and state.core.first.policy == "email-billing"
    engine.apply(state, ev(0, "pending"))  # counts 26 years once; each year's DST changes are found once
    visited: list[int] = []
    original = BusinessCalendar._open_intervals

    def counting(self: BusinessCalendar, day: int) -> Sequence[tuple[int, int]]:
        visited.append(day)
        return original(self, day)

    monkeypatch.setattr(BusinessCalendar, "_open_intervals", counting)
    for n, what in enumerate(["open", "customer", "on_hold", "open", "agent", "customer", "solved"], start=1):
        before = len(visited)
        assert engine.apply(state, ev(60 * n, what)).dropped is None
        engine.next_due_ts(state)
        assert len(visited) - before < 1000
    assert state.core.resolution is not None and state.core.resolution.stopped is not None
