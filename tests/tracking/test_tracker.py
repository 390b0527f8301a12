"""The tracking core over the shipped configuration: SLA signals become alerts, moods become
detractor alerts, first-contact resolution is judged, and the record survives serialisation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from supportwatch.alerts import AlertKind
from supportwatch.config import load_config
from supportwatch.models.protocol import Sentiment
from supportwatch.mood import MoodTracker
from supportwatch.sla import SlaEngine
from supportwatch.tracking import ConversationRecord, OpenConversations, OpenState, Tracker
from supportwatch.tracking.open_index import open_entry
from tests.kit import T0, Events

NEGATIVE = Sentiment.from_probs({"negative": 0.9, "neutral": 0.05, "positive": 0.05})
POSITIVE = Sentiment.from_probs({"negative": 0.05, "neutral": 0.15, "positive": 0.8})
# chat events of team billing, answered by agent a-1: event(seconds after T0, kind, conversation, **fields)
event = Events(agent="a-1", text="hello")


@pytest.fixture(scope="module")
def tracker() -> Tracker:
    config = load_config(None)
    return Tracker(SlaEngine(config.policies), MoodTracker(config.mood_rules), "https://desk/c/{conversation_id}")


def ts(seconds: float) -> float:
    """Epoch seconds ``seconds`` after T0, as ticks carry them."""
    return (T0 + timedelta(seconds=seconds)).timestamp()


def test_answered_in_time_raises_nothing_and_counts_first_contact(tracker: Tracker) -> None:
    update = tracker.on_event(None, event(0), POSITIVE)
    assert update.alerts == [] and update.next_due_ts is not None
    update = tracker.on_event(update.record, event(30, "agent"), None)
    first = [o for o in update.outcomes if o.clock.value == "first_reply"]
    assert len(first) == 1 and first[0].elapsed_seconds == pytest.approx(30) and first[0].within_target
    update = tracker.on_event(update.record, event(60, "solved"), None)
    assert update.resolution is not None and update.resolution.first_contact


def test_a_late_reply_warns_breaches_escalates_then_resolves(tracker: Tracker) -> None:
    record = tracker.on_event(None, event(0), None).record
    assert record is not None
    due = tracker.next_due_ts(record)
    assert due is not None and T0.timestamp() < due < (T0 + timedelta(minutes=1)).timestamp()
    kinds = [a.kind for a in tracker.on_tick(record, ts(120)).alerts]
    assert AlertKind.SLA_WARNING in kinds and AlertKind.SLA_BREACH in kinds and AlertKind.SLA_CRITICAL not in kinds
    assert tracker.on_tick(record, ts(120)).alerts == []  # each level once
    assert [a.kind for a in tracker.on_tick(record, ts(240)).alerts] == [AlertKind.SLA_CRITICAL]
    resolved = tracker.on_event(record, event(300, "agent"), None).alerts
    assert [a.kind for a in resolved] == [AlertKind.RESOLVED]
    assert resolved[0].conversation_id == "c-1" and resolved[0].clock == "first_reply"


def test_consecutive_negative_messages_turn_the_customer_detractor_once(tracker: Tracker) -> None:
    record = None
    detractors = []
    for i in range(5):
        update = tracker.on_event(record, event(i * 5, text="this is useless"), NEGATIVE)
        record = update.record
        detractors += [a for a in update.alerts if a.kind is AlertKind.DETRACTOR]
    assert detractors, "a run of negative messages must turn the customer detractor"
    assert len({a.level for a in detractors}) == len(detractors)


def test_an_nps_detractor_answer_raises_a_detractor_alert(tracker: Tracker) -> None:
    record = tracker.on_event(None, event(0), POSITIVE).record
    update = tracker.on_event(record, event(900, "nps", score=3), None)
    assert [a for a in update.alerts if a.kind is AlertKind.DETRACTOR] == update.alerts[-1:]
    assert update.alerts[-1].kind is AlertKind.DETRACTOR
    assert [d.reason.value for d in update.detractors] == ["nps"]


def test_a_repeated_event_id_changes_nothing(tracker: Tracker) -> None:
    first = event(0, event_id="same")
    record = tracker.on_event(None, first, None).record
    before = record.to_dict() if record else None
    update = tracker.on_event(record, first, None)
    assert update.dropped == "duplicate" and update.alerts == []
    assert record is not None and record.to_dict() == before


def test_the_record_round_trips_through_its_table_form(tracker: Tracker) -> None:
    record = tracker.on_event(None, event(0), NEGATIVE).record
    assert record is not None
    record = tracker.on_event(record, event(20, "agent"), None).record
    assert record is not None
    copy = ConversationRecord.from_dict(record.to_dict())
    now = T0 + timedelta(minutes=1)
    assert tracker.describe(copy, now) == tracker.describe(record, now)
    assert copy.agent_replies == 1


def test_open_figures_follow_the_conversation(tracker: Tracker) -> None:
    figures = OpenConversations()
    record = tracker.on_event(None, event(0), None).record
    assert record is not None
    figures.put("c-1", open_entry(record))
    assert figures.count("chat", OpenState.WAITING_FIRST_REPLY) == 1
    assert figures.oldest_waiting("chat") == T0.timestamp()
    assert figures.running("chat", "first_reply") == 1
    record = tracker.on_event(record, event(30, "agent"), None).record
    assert record is not None
    figures.put("c-1", open_entry(record))
    assert figures.count("chat", OpenState.WAITING_FIRST_REPLY) == 0
    assert figures.count("chat", OpenState.ANSWERED) == 1
    assert figures.oldest_waiting("chat") is None
    record = tracker.on_event(record, event(40, "closed"), None).record
    assert record is not None
    tracker.on_tick(record, ts(3600))
    figures.put("c-1", open_entry(record))
    assert len(figures) == 0
