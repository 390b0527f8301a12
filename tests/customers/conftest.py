"""The customer level over the shipped configuration, driven in event time through the same
tracking core as replay: conversation events become facts, facts change their customer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from supportwatch.alerts import Alert, AlertKind
from supportwatch.alerts.model import SEVERITY_OF, stable_id
from supportwatch.config import load_config
from supportwatch.customers import CustomerTracker
from supportwatch.events import Event
from supportwatch.models.protocol import Sentiment
from supportwatch.mood import MoodTracker
from supportwatch.replay import ReplayResult, replay
from supportwatch.sla import SlaEngine
from supportwatch.tracking import Tracker
from tests.kit import T0, Events

NEGATIVE = Sentiment.from_probs({"negative": 0.9, "neutral": 0.05, "positive": 0.05})


@pytest.fixture(scope="module")
def trackers() -> tuple[Tracker, CustomerTracker]:
    config = load_config(None)
    link = "https://desk/c/{conversation_id}"
    return (Tracker(SlaEngine(config.policies), MoodTracker(config.mood_rules), link),
            CustomerTracker(config.customer_rules, link))


# chat events of team billing from customer cust-1 (customer=None: an anonymous one)
event = Events(customer="cust-1", text="Where is my parcel?")


def chat_then_call(gap: float = 1200) -> list[Event]:
    """A customer chats, waits 4 minutes for a reply (breach and critical), is solved, then calls
    ``gap`` seconds after the chat's last event."""
    end = 300.0
    return [
        event(0, "customer", "chat-1", text="My order never arrived and nobody answers!"),
        event(240, "agent", "chat-1"),
        event(end, "solved", "chat-1"),
        event(end + gap, "customer", "call-1", channel="phone"),
        event(end + gap + 10, "agent", "call-1", channel="phone"),
    ]


def run(trackers: tuple[Tracker, CustomerTracker], events: Sequence[Event],
        sentiments: dict[str, Sentiment] | None = None, end: datetime | None = None) -> ReplayResult:
    tracker, customers = trackers
    return replay(sorted(events, key=lambda e: e.occurred_at), tracker, sentiments or {}, end=end,
                  customers=customers)


def raised(*kinds: str, conversation: str = "c-1", channel: str = "chat") -> tuple[Alert, ...]:
    """Alerts of ``kinds`` (sla_breach, sla_critical, detractor) as a conversation's fact carries them."""
    return tuple(
        Alert(id=stable_id(kind, conversation, str(n)), kind=AlertKind(kind), level=kind,
              severity=SEVERITY_OF[AlertKind(kind)], conversation_id=conversation, channel=channel, fired_at=T0,
              summary=kind)
        for n, kind in enumerate(kinds)
    )
