"""The clock semantics: first reply, next reply, resolution, pauses, reopening, re-evaluation."""

from __future__ import annotations

from datetime import timedelta

from supportwatch.sla import Clock, ClockOutcome, SignalKind, SlaEngine
from tests.sla.sla_testkit import T0, MakeEvent, event_factory, feed


def by_clock(outcomes: list[ClockOutcome], clock: Clock) -> list[tuple[int, float]]:
    return [(round((o.started_at - T0).total_seconds()), o.elapsed_seconds) for o in outcomes if o.clock is clock]


def test_first_reply_runs_from_first_customer_message_to_first_agent_message(engine: SlaEngine,
                                                                            ev: MakeEvent) -> None:
    _, _, outcomes = feed(engine, [ev(0, "customer"), ev(10, "customer"), ev(45, "agent"), ev(50, "agent")])
    assert by_clock(outcomes, Clock.FIRST_REPLY) == [(0, 45.0)]
    first = next(o for o in outcomes if o.clock is Clock.FIRST_REPLY)
    assert first.within_target and first.policy == "chat" and first.target_seconds == 60


def test_a_bot_message_is_no_reply_unless_the_policy_says_so(engine: SlaEngine, ev: MakeEvent,
                                                            write_config: object) -> None:
    _, _, outcomes = feed(engine, [ev(0, "customer"), ev(5, "bot"), ev(90, "agent")])
    assert by_clock(outcomes, Clock.FIRST_REPLY) == [(0, 90.0)]

    from supportwatch.sla import load_policies
    from supportwatch.sla.config import DEFAULT_FILE

    text = DEFAULT_FILE.read_text().replace("  - name: chat\n", "  - name: chat\n    count_bot_replies: true\n", 1)
    assert callable(write_config)
    bots = SlaEngine(write_config(text))
    _, _, outcomes = feed(bots, [ev(0, "customer", event_id="b1"), ev(5, "bot", event_id="b2")])
    assert by_clock(outcomes, Clock.FIRST_REPLY) == [(0, 5.0)]
    assert load_policies(None).get("chat") is not None


def test_next_reply_starts_at_the_first_unanswered_customer_message(engine: SlaEngine, ev: MakeEvent) -> None:
    events = [
        ev(0, "customer"), ev(30, "agent"),
        ev(100, "customer"), ev(110, "customer"), ev(160, "agent"),  # a further message does not restart it
        ev(200, "agent"),  # no clock running: nothing
        ev(300, "customer"), ev(420, "agent"),
    ]
    _, _, outcomes = feed(engine, events)
    assert by_clock(outcomes, Clock.FIRST_REPLY) == [(0, 30.0)]
    assert by_clock(outcomes, Clock.NEXT_REPLY) == [(100, 60.0), (300, 120.0)]
    assert [o.within_target for o in outcomes if o.clock is Clock.NEXT_REPLY] == [True, True]
    assert [c for c in (o.clock for o in outcomes)].count(Clock.RESOLUTION) == 0


def test_resolution_excludes_paused_time_and_solving_stops_every_clock(engine: SlaEngine, ev: MakeEvent) -> None:
    events = [
        ev(0, "customer"), ev(20, "agent"), ev(30, "pending"),
        ev(330, "customer"),  # a customer reply reopens and resumes (5 paused minutes)
        ev(400, "on_hold"), ev(500, "open"), ev(600, "solved"),
    ]
    state, _, outcomes = feed(engine, events)
    assert by_clock(outcomes, Clock.RESOLUTION) == [(0, 30.0 + 70.0 + 100.0)]
    assert state.core.status == "solved"
    assert all(run is None or not run.active for run in state.core.runs())
    assert by_clock(outcomes, Clock.NEXT_REPLY) == []  # stopped by solving, never answered: no outcome


def test_a_customer_message_after_solved_reopens_a_new_resolution_cycle(engine: SlaEngine, ev: MakeEvent) -> None:
    events = [ev(0, "customer"), ev(20, "agent"), ev(60, "solved"), ev(1000, "closed"),
              ev(2000, "customer"), ev(2050, "agent"), ev(2100, "solved")]
    state, _, outcomes = feed(engine, events)
    assert by_clock(outcomes, Clock.RESOLUTION) == [(0, 60.0), (2000, 100.0)]
    assert by_clock(outcomes, Clock.NEXT_REPLY) == [(2000, 50.0)]  # after an agent reply: next reply
    assert [o for o in outcomes if o.clock is Clock.RESOLUTION][1].conversation.conversation_id == "conv-1"
    assert state.core.resolution is not None and state.core.resolution.cycle == 2


def test_open_status_starts_resolution(engine: SlaEngine, ev: MakeEvent) -> None:
    state, _, outcomes = feed(engine, [ev(0, "open"), ev(100, "solved")])
    assert by_clock(outcomes, Clock.RESOLUTION) == [(0, 100.0)]
    assert state.core.first is None


def test_pause_on_is_per_clock(engine: SlaEngine, ev: MakeEvent, write_config: object) -> None:
    from supportwatch.sla.config import DEFAULT_FILE

    text = DEFAULT_FILE.read_text().replace(
        'resolution: {target: 30m, critical: 2h, warnings: ["80%", "5m before"]}',
        'resolution: {target: 30m, critical: 2h, warnings: ["80%", "5m before"], pause_on: [on_hold]}',
    )
    assert callable(write_config)
    engine = SlaEngine(write_config(text))
    _, _, outcomes = feed(engine, [ev(0, "customer"), ev(10, "pending"), ev(110, "on_hold"), ev(210, "open"),
                                  ev(220, "agent"), ev(300, "solved")])
    # first reply pauses on pending and on hold; resolution only on hold
    assert by_clock(outcomes, Clock.FIRST_REPLY) == [(0, 20.0)]
    assert by_clock(outcomes, Clock.RESOLUTION) == [(0, 200.0)]


def test_priority_change_re_evaluates_the_policy(engine: SlaEngine, ev: MakeEvent) -> None:
    state, signals, _ = feed(engine, [ev(0, "customer"), ev(20, "system", priority="urgent")])
    assert state.core.first is not None and state.core.first.policy == "chat-urgent"
    # 20 s counted: the urgent 50% warning (15 s) is due at once, the urgent breach (30 s) 10 s later
    assert engine.next_due(state) == T0 + timedelta(seconds=20)
    assert engine.describe(state, T0)["clocks"][0]["levels"][1]["due_at"] == "2026-03-02T10:00:30+00:00"
    step = engine.advance(state, (T0 + timedelta(seconds=31)).timestamp())
    assert [(s.kind, s.level, s.policy) for s in step.signals] == [
        (SignalKind.WARNING, "warning:50%", "chat-urgent"), (SignalKind.BREACH, "breach", "chat-urgent")]
    assert signals == []


def test_priority_that_is_not_sent_keeps_the_last_value(engine: SlaEngine, ev: MakeEvent) -> None:
    state, _, _ = feed(engine, [ev(0, "customer", priority="urgent"), ev(5, "customer"), ev(6, "assignment",
                                                                                    agent_id="a-1")])
    assert state.core.priority == "urgent" and state.core.agent_id == "a-1"


def test_team_change_moves_a_clock_onto_business_hours(engine: SlaEngine) -> None:

    ev = event_factory("mail-1", channel="email")
    # Monday 10:00 UTC = 11:00 Berlin; billing counts 09:00-17:00 Berlin only
    state, _, _ = feed(engine, [ev(0, "customer"), ev(3600, "assignment", team="billing", agent_id="a-2")])
    first = state.core.first
    assert first is not None and first.policy == "email-billing" and first.acc == 3600
    # 3 more business hours from 12:00 Berlin -> 15:00 Berlin = 14:00 UTC; the 50% warning (2 h) was due at once
    description = engine.describe(state, T0 + timedelta(hours=1))
    clock = description["clocks"][0]
    assert clock["calendar"] == "emea-office"
    due = {level["level"]: level["due_at"] for level in clock["levels"]}
    assert due["breach"] == "2026-03-02T14:00:00+00:00"
    # 15 more business hours: Monday 12-17, Tuesday 9-17, Wednesday 9-11 Berlin
    assert due["critical"] == "2026-03-04T10:00:00+00:00"
    assert description["team"] == "billing" and description["agent_id"] == "a-2"


def test_describe_lists_every_clock_with_due_times(engine: SlaEngine, ev: MakeEvent) -> None:
    state, _, _ = feed(engine, [ev(0, "customer"), ev(30, "agent"), ev(60, "customer"), ev(70, "pending")])
    description = engine.describe(state, T0 + timedelta(seconds=100))
    clocks = {c["clock"]: c for c in description["clocks"]}
    assert [clocks[name]["state"] for name in ("first_reply", "next_reply", "resolution")] == [
        "stopped", "paused", "paused"]
    assert clocks["next_reply"]["counted_seconds"] == 10.0
    assert clocks["resolution"]["counted_seconds"] == 70.0
    assert clocks["next_reply"]["levels"][0]["due_at"] is None
    assert description["status"] == "pending" and description["next_due"] is None
