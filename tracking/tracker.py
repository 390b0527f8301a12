"""The tracking core: apply one event (or a clock tick) to a conversation and say what follows.

Pure: no faust, no I/O. The tracking agent and ``supportwatch replay`` both drive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from supportwatch.alerts import Alert, from_detractor, from_sla_signal
from supportwatch.customers import ConversationFact
from supportwatch.events import Author, Event, EventType, Status, Survey
from supportwatch.models.protocol import Sentiment
from supportwatch.mood import MoodTracker
from supportwatch.mood.signals import DetractorSignal
from supportwatch.sla import SlaEngine, SlaStep
from supportwatch.sla.plans import Deadline
from supportwatch.sla.signals import Clock, ClockOutcome, SlaSignal
from supportwatch.tracking.record import ConversationRecord

# A conversation's mood change that is worth telling its customer's state about.
MOOD_STEP = 0.2
_CLOSED = ("solved", "closed")


@dataclass(frozen=True)
class Resolution:
    """A conversation solved for the first time; first contact when at most one agent reply came before."""

    channel: str
    team: str | None
    first_contact: bool


@dataclass(frozen=True)
class Update:
    record: ConversationRecord | None
    alerts: list[Alert] = field(default_factory=list)
    signals: list[SlaSignal] = field(default_factory=list)
    outcomes: list[ClockOutcome] = field(default_factory=list)
    detractors: list[DetractorSignal] = field(default_factory=list)
    resolution: Resolution | None = None
    survey: Survey | None = None  # a survey answer the event carried
    dropped: str | None = None
    next_due_ts: float | None = None  # epoch seconds, as the deadline index keeps it
    # For a conversation with a customer id: what its customer is told, with ``alerts`` inside
    # (they reach the alerts topic through the customer stage, with the customer's context).
    fact: ConversationFact | None = None


class Tracker:
    def __init__(self, engine: SlaEngine, mood: MoodTracker, link_template: str) -> None:
        self._engine = engine
        self._mood = mood
        self._link = link_template

    def on_event(
        self, record: ConversationRecord | None, event: Event, sentiment: Sentiment | None
    ) -> Update:
        step = self._engine.apply(record.sla if record is not None else None, event)
        if step.dropped is not None:
            return Update(record=record, dropped=step.dropped,
                          next_due_ts=self._engine.next_due_ts(record.sla) if record is not None else None)
        if record is None:
            record = ConversationRecord(sla=step.state)
        record.sla = step.state

        detractors: list[DetractorSignal] = []
        if event.is_customer_message and sentiment is not None:
            record.mood, detractors = self._mood.on_message(record.mood, sentiment, event.at)
        elif event.type is EventType.SURVEY and event.survey is not None:
            record.mood, detractors = self._mood.on_survey(
                record.mood, event.survey.kind, event.survey.score, event.at
            )

        resolution = None
        if event.type is EventType.MESSAGE and event.author is Author.AGENT:
            record.agent_replies += 1
        elif event.type is EventType.STATUS and event.status is Status.SOLVED and not record.resolved_once:
            record.resolved_once = True
            resolution = Resolution(event.channel.value, record.sla.core.team,
                                    first_contact=record.agent_replies <= 1)

        ref = self._engine.ref(record.sla)
        alerts = self._sla_alerts(step)
        alerts.extend(from_detractor(ref, signal, self._link) for signal in detractors)
        survey = event.survey if event.type is EventType.SURVEY else None
        fact = self._fact(record, event.occurred_at.timestamp(), alerts, step.outcomes, survey=survey,
                          resolved=resolution is not None)
        return Update(
            record=record, alerts=alerts, signals=list(step.signals), outcomes=list(step.outcomes),
            detractors=detractors, resolution=resolution, next_due_ts=self._engine.next_due_ts(record.sla),
            survey=survey, fact=fact,
        )

    def on_tick(self, record: ConversationRecord, now_ts: float) -> Update:
        """Fire the SLA levels due at or before ``now_ts`` (epoch seconds, as the deadline index
        keeps them: pass a due time on as it is, never through a ``datetime``)."""
        step = self._engine.advance(record.sla, now_ts)
        record.sla = step.state
        alerts = self._sla_alerts(step)
        at = max((signal.fired for signal in step.signals), default=now_ts)
        return Update(
            record=record, alerts=alerts, signals=list(step.signals),
            outcomes=list(step.outcomes), next_due_ts=self._engine.next_due_ts(record.sla),
            fact=self._fact(record, at, alerts, step.outcomes),
        )

    def next_due_ts(self, record: ConversationRecord) -> float | None:
        """When the conversation's next SLA level falls due, in epoch seconds."""
        return self._engine.next_due_ts(record.sla)

    def deadline(self, record: ConversationRecord) -> Deadline | None:
        """The conversation's running clock due first (its target may have passed): the worklist's key."""
        return self._engine.plans.next_deadline(record.sla.core)

    def describe(self, record: ConversationRecord, now: datetime) -> dict[str, Any]:
        """All clocks with their due times, and the customer's mood: what ``inspect`` shows."""
        return {
            "sla": self._engine.describe(record.sla, now),
            "mood": record.mood.to_dict() if record.mood is not None else None,
            "agent_replies": record.agent_replies,
        }

    def _fact(
        self, record: ConversationRecord, at: float, alerts: list[Alert], outcomes: list[ClockOutcome], *,
        survey: Survey | None = None, resolved: bool = False,
    ) -> ConversationFact | None:
        """What the customer is told about this change of ``record``, if it has a customer and the
        change matters: its first fact, its first reply, a survey, its resolution, its opening or
        closing, a mood change of :data:`MOOD_STEP`, or alerts (breaches, detractor signals...)."""
        core = record.sla.core
        if core.customer_id is None:
            return None
        is_open = core.status not in _CLOSED
        mood = record.mood.mood if record.mood is not None else None
        mood_moved = mood is not None and (record.fact_mood is None or abs(mood - record.fact_mood) >= MOOD_STEP)
        answered = any(outcome.clock is Clock.FIRST_REPLY for outcome in outcomes)
        if not (record.facts == 0 or alerts or answered or survey is not None or resolved
                or mood_moved or is_open != record.fact_open):
            return None
        record.facts += 1
        record.fact_open = is_open
        if mood is not None:
            record.fact_mood = mood
        return ConversationFact(
            customer_id=core.customer_id, conversation_id=record.sla.conversation_id, seq=record.facts, at=at,
            channel=core.channel, team=core.team, priority=core.priority, tier=core.tier,
            opened=record.facts == 1, is_open=is_open, answered=answered, mood=mood,
            survey=(survey.kind.value, survey.score) if survey is not None else None,
            resolved=resolved, alerts=tuple(alerts),
        )

    def _sla_alerts(self, step: SlaStep) -> list[Alert]:
        return [from_sla_signal(signal, self._link) for signal in step.signals]
