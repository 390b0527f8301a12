"""Exact duplicate detection: a repeated event id is applied once, the first copy wins whatever
else changed, and two different ids are never confused (not even when their CRC32s are equal)."""

from __future__ import annotations

import json
import zlib
from datetime import timedelta

import pytest

from supportwatch.sla import ConversationSla, PolicySet, SlaEngine, dedup
from supportwatch.sla import log as buffer
from tests.sla.sla_testkit import MakeEvent

# two real ids of the incident: equal CRC32, so the agent's reply was dropped as a "duplicate"
COLLIDING = ("evt-aa1f94e4d8a52ca7", "evt-d4178eb315d2a372")


def test_the_incident_ids_collide_in_crc32_but_not_in_the_digest() -> None:
    a, b = (s.encode() for s in COLLIDING)
    assert zlib.crc32(a) == zlib.crc32(b) == 3907446
    assert dedup.digest(COLLIDING[0]) != dedup.digest(COLLIDING[1])


@pytest.mark.parametrize("reply_at", [1, 20, 3600])  # within the lateness, long after
def test_an_agent_reply_whose_id_shares_a_crc32_is_applied(engine: SlaEngine, ev: MakeEvent, reply_at: int) -> None:
    state = engine.apply(None, ev(0, "customer", event_id=COLLIDING[0])).state
    step = engine.apply(state, ev(reply_at, "agent", event_id=COLLIDING[1]))
    assert step.dropped is None
    assert [(o.clock.value, o.elapsed_seconds) for o in step.outcomes] == [("first_reply", float(reply_at))]
    assert not any(s.kind.value == "breach" for s in engine.advance(state, state.watermark + 7200).signals
                   if s.clock.value == "first_reply")


def test_two_events_of_equal_time_whose_ids_share_a_crc32_are_both_kept(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer", event_id=COLLIDING[0])).state
    assert engine.apply(state, ev(0, "bot", event_id=COLLIDING[1])).dropped is None
    assert buffer.size(state.log) == 2


@pytest.mark.parametrize("resent_at", [-30, -59, 5, 30, 3600, -3600])
def test_a_resent_id_is_dropped_at_any_time(engine: SlaEngine, ev: MakeEvent, resent_at: int) -> None:
    """Earlier or later, within the lateness or not: the first copy (a customer message at 600) wins."""
    state = engine.apply(None, ev(0, "customer")).state
    engine.apply(state, ev(30, "agent"))
    engine.apply(state, ev(600, "customer", event_id="m"))
    before = json.dumps(state.to_dict())
    step = engine.apply(state, ev(600 + resent_at, "agent", event_id="m"))  # even as another kind of event
    assert step.dropped == "duplicate" and step.signals == [] and step.outcomes == []
    assert json.dumps(state.to_dict()) == before


def test_a_resent_id_that_would_reorder_the_log_is_dropped(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer", event_id="first")).state
    engine.apply(state, ev(10, "bot"))
    assert engine.apply(state, ev(5, "agent", event_id="first")).dropped == "duplicate"
    assert state.core.first is not None and state.core.first.active


def test_resends_of_many_ids_are_each_applied_once(policies: PolicySet, ev: MakeEvent) -> None:
    """1,000 re-sends of the latest ids at other times: none is applied again (issue: 500 were)."""
    engine = SlaEngine(policies, lateness=timedelta(seconds=60), remember_ids=32)
    state: ConversationSla | None = None
    applied = duplicates = 0
    for n in range(1000):
        at = 10.0 * n
        kind = "customer" if n % 2 else "agent"
        step = engine.apply(state, ev(at, kind, event_id=f"id-{n}"))
        state = step.state
        applied += step.dropped is None
        for k, shift in ((n, 7.5), (max(0, n - 5), -3.0)):  # a later and an earlier copy of recent ids
            again = engine.apply(state, ev(10.0 * k + shift, "customer", event_id=f"id-{k}"))
            duplicates += again.dropped == "duplicate"
    assert applied == 1000 and duplicates == 2000


def test_ids_are_remembered_up_to_the_configured_count(policies: PolicySet, ev: MakeEvent) -> None:
    engine = SlaEngine(policies, remember_ids=3)
    state = engine.apply(None, ev(0, "customer", event_id="a")).state
    for n, event_id in enumerate("bcd", start=1):
        engine.apply(state, ev(n, "bot", event_id=event_id))
    assert len(state.ids) == 3 * dedup.DIGEST_SIZE
    assert [engine.apply(state, ev(9, "bot", event_id=i)).dropped for i in "bcd"] == ["duplicate"] * 3
    assert engine.apply(state, ev(9, "bot", event_id="a")).dropped is None  # forgotten: bounded memory


def test_known_ids_survive_a_round_trip(engine: SlaEngine, ev: MakeEvent) -> None:
    state = engine.apply(None, ev(0, "customer", event_id="x")).state
    restored = ConversationSla.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored.ids == state.ids
    assert engine.apply(restored, ev(50, "agent", event_id="x")).dropped == "duplicate"


def test_a_digest_is_found_only_at_a_digest_boundary() -> None:
    d = dedup.digest("x")
    straddling = dedup.digest("a")[8:] + d + dedup.digest("b")[:8]  # d at an odd offset only
    assert not dedup.seen(straddling, d)
    assert dedup.seen(dedup.digest("a") + d, d)
