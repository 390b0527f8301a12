"""Policies by customer tier: events may carry ``customer_tier``; the latest value wins and is kept
with the conversation's state (a later event without it keeps the tier)."""

from __future__ import annotations

import json

from supportwatch.sla import Clock, ConversationSla, SignalKind, SlaEngine
from supportwatch.sla.log import Field, from_lists, records
from tests.sla.sla_testkit import MakeEvent, feed


def test_a_vip_chat_is_held_to_the_vip_policy(engine: SlaEngine, ev: MakeEvent) -> None:
    state, signals, _ = feed(engine, [ev(0, "customer", customer_tier="vip"), ev(40, "agent")])
    first = [s for s in signals if s.clock is Clock.FIRST_REPLY]
    assert {s.policy for s in first} == {"chat-vip"}
    assert [s.kind for s in first if s.kind is SignalKind.BREACH] == [SignalKind.BREACH]  # 30 s target
    assert state.core.tier == "vip"


def test_without_a_tier_the_channel_policy_holds(engine: SlaEngine, ev: MakeEvent) -> None:
    _, signals, _ = feed(engine, [ev(0, "customer"), ev(40, "agent")])
    assert all(s.policy == "chat" for s in signals) and not [s for s in signals if s.kind is SignalKind.BREACH]


def test_the_tier_survives_storage_and_later_events_without_it(engine: SlaEngine, ev: MakeEvent) -> None:
    state, _, _ = feed(engine, [ev(0, "customer", customer_tier="vip")])
    again = ConversationSla.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again.core.tier == "vip"
    step = engine.apply(again, ev(10, "customer"))
    assert step.state.core.tier == "vip"
    assert engine.plans.next_deadline(step.state.core) is not None


def test_a_log_written_before_tiers_reads_without_one() -> None:
    log = from_lists([[1.0, 7, "c", "chat", None, None, None, "cust-1"]])
    [rec] = records(log)
    assert rec[Field.ATTRS] == ("c", "chat", None, None, None)
