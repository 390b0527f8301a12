"""Event time, not arrival order: out-of-order events within the lateness, duplicates, late events;
and the invariants of the clocks over random conversations."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.sla import Clock, ClockOutcome, ConversationSla, PolicySet, SlaEngine
from tests.sla.sla_testkit import T0, MakeEvent, event_factory, feed, script_events, shuffled_within

ACTIONS = ["customer", "customer", "agent", "agent", "bot", "pending", "on_hold", "open", "solved", "closed",
           "urgent", "normal", "billing"]


scripts = st.lists(st.tuples(st.integers(0, 400), st.sampled_from(ACTIONS)), min_size=1, max_size=25)


@settings(max_examples=150)
@given(scripts, st.data())
def test_out_of_order_within_lateness_gives_the_in_order_state(policies: PolicySet, script: list[tuple[int, str]],
                                                                data: st.DataObject) -> None:
    engine = SlaEngine(policies, lateness=timedelta(seconds=300))
    events = script_events(script, "conv-p")
    in_order, _, _ = feed(engine, events)
    arrival = data.draw(shuffled_within(events, 300))
    shuffled, signals, _ = feed(engine, arrival)
    assert shuffled.core.to_list() == in_order.core.to_list()
    fired = [(s.clock, s.cycle, s.level, s.kind) for s in signals]
    assert len(fired) == len(set(fired))  # nothing fires twice, whatever the re-application


@settings(max_examples=100)
@given(scripts)
def test_duplicates_change_nothing(policies: PolicySet, script: list[tuple[int, str]]) -> None:
    engine = SlaEngine(policies, lateness=timedelta(seconds=600))
    events = script_events(script, "conv-p")
    state, _, _ = feed(engine, events)
    before = json.dumps(state.to_dict())
    for event in events[-3:]:
        step = engine.apply(state, event)
        assert step.dropped in ("duplicate", "late")
        assert step.signals == [] and step.outcomes == []
    assert json.dumps(state.to_dict()) == before


def test_events_older_than_the_lateness_are_dropped(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    state = engine.apply(state, ev(100, "customer")).state
    step = engine.apply(state, ev(39, "agent"))
    assert step.dropped == "late"
    assert state.core.first is not None and state.core.first.active
    assert engine.apply(state, ev(41, "agent")).dropped is None  # within 60 s of the latest
    assert state.core.first.stopped == (T0 + timedelta(seconds=41)).timestamp()


def test_advance_does_not_move_the_watermark(engine: SlaEngine, ev: MakeEvent) -> None:
    """Lateness is judged in event time: a reply that reaches a live worker after its deadline
    fired by wall clock still stops the clock."""
    state = engine.apply(None, ev(0, "customer")).state
    fired = engine.advance(state, (T0 + timedelta(seconds=200)).timestamp()).signals
    assert [s.level for s in fired][-1] == "critical"
    step = engine.apply(state, ev(120, "agent"))
    assert step.dropped is None and [o.elapsed_seconds for o in step.outcomes] == [120.0]
    assert [(s.kind.value, s.level) for s in step.signals] == [("stopped", "critical")]


def test_a_late_agent_reply_resolves_an_alert_that_already_fired(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer")).state
    breach = engine.advance(state, (T0 + timedelta(seconds=70)).timestamp()).signals
    assert [s.level for s in breach] == ["warning:50%", "warning:80%", "breach"]
    step = engine.apply(state, ev(55, "agent"))  # arrived late, but within the lateness
    assert [o.elapsed_seconds for o in step.outcomes] == [55.0]
    assert [(s.kind.value, s.level) for s in step.signals] == [("stopped", "breach")]


def _outcome(outcomes: list[ClockOutcome], clock: Clock) -> ClockOutcome:
    return next(o for o in outcomes if o.clock is clock)


@given(st.lists(st.integers(1, 600), min_size=1, max_size=6), st.integers(1, 5000), st.integers(1, 5000))
def test_a_later_agent_reply_never_finishes_a_clock_earlier(policies: PolicySet, customer_gaps: list[int],
                                                            reply: int, delay: int) -> None:
    def first_reply(reply_at: int) -> float:
        ev = event_factory("conv-m", channel="email")
        times = [sum(customer_gaps[: i + 1]) for i in range(len(customer_gaps))]
        events = sorted([ev(t, "customer") for t in times] + [ev(times[0] + reply_at, "agent")],
                        key=lambda e: e.occurred_at)
        _, _, outcomes = feed(SlaEngine(policies), events)
        return _outcome(outcomes, Clock.FIRST_REPLY).elapsed_seconds

    assert first_reply(reply + delay) >= first_reply(reply)
    assert first_reply(reply) == reply


@given(st.lists(st.tuples(st.integers(1, 3000), st.sampled_from(["pending", "on_hold", "open", "customer"])),
                max_size=12), st.integers(1, 3000))
def test_paused_time_is_never_counted(policies: PolicySet, steps: list[tuple[int, str]], tail: int) -> None:
    ev = event_factory("conv-q", channel="chat")
    events, at, paused_since, paused = [ev(0, "customer")], 0, None, 0
    for gap, status in steps:
        at += gap
        events.append(ev(at, status))
        if status in ("pending", "on_hold"):
            paused_since = at if paused_since is None else paused_since
        elif paused_since is not None:
            paused += at - paused_since
            paused_since = None
    end = at + tail
    events.append(ev(end, "solved"))
    if paused_since is not None:
        paused += end - paused_since
    _, _, outcomes = feed(SlaEngine(policies), events)
    resolution = _outcome(outcomes, Clock.RESOLUTION)
    assert resolution.elapsed_seconds == end - paused
    assert resolution.stopped_at == T0 + timedelta(seconds=end)


def _json(state: ConversationSla) -> dict[str, Any]:
    return json.loads(json.dumps(state.to_dict()))


@settings(max_examples=100)
@given(scripts, st.integers(0, 3))
def test_state_survives_a_round_trip(policies: PolicySet, script: list[tuple[int, str]], cut: int) -> None:
    engine = SlaEngine(policies, lateness=timedelta(seconds=300))
    events = script_events(script, "conv-p")
    whole, whole_signals, _ = feed(engine, events)
    head = max(1, len(events) - cut)
    state, signals, _ = feed(engine, events[:head])
    state = ConversationSla.from_dict(_json(state))
    for event in events[head:]:
        step = engine.apply(state, event)
        state = step.state
        signals += step.signals
    assert state.to_dict() == whole.to_dict()
    assert [(s.clock, s.cycle, s.level, s.kind) for s in signals] == [
        (s.clock, s.cycle, s.level, s.kind) for s in whole_signals]
