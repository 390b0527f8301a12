"""Stage 2, track: apply each classified event, or a clock tick, to its conversation.

The conversation table (changelog-backed) holds each conversation's record and the partition
it lives in; the deadline index and the open-conversation figures are rebuilt from it after a
restart or rebalance, so a warning due while the worker was down fires on recovery, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, MutableMapping
from datetime import UTC
from typing import Any

from alerts import Alert
from events import Event
from models.protocol import Sentiment
from mood.metrics import MoodMetrics
from sla import DeadlineIndex
from sla.metrics import SlaMetrics
from sla.signals import ClockOutcome
from streams.outputs import Outputs
from supportwatch.clock import Now
from supportwatch.metrics import PipelineMetrics
from tracking import ConversationRecord, OpenConversations, Tracker, Update
from tracking.metrics import TrackingMetrics
from tracking.open_index import open_entry

TICK = b'{"tick":1}'


def _sentiment(data: dict[str, Any] | None) -> Sentiment | None:
    if data is None:
        return None
    return Sentiment(label=data["label"], probs=dict(data["probs"]), score=float(data["score"]))


class TrackStage:
    def __init__(
        self,
        *,
        tracker: Tracker,
        table: MutableMapping[str, Any],
        deadlines: DeadlineIndex[str],
        open_conversations: OpenConversations,
        alerts_topic: str,
        outputs: Outputs,
        pipeline_metrics: PipelineMetrics,
        sla_metrics: SlaMetrics,
        mood_metrics: MoodMetrics,
        tracking_metrics: TrackingMetrics,
        record_outcome: Callable[[ClockOutcome], None],
        now: Now,
    ) -> None:
        self._tracker = tracker
        self._table = table
        self._deadlines = deadlines
        self._open = open_conversations
        self._alerts_topic = alerts_topic
        self._outputs = outputs
        self._pipeline = pipeline_metrics
        self._sla = sla_metrics
        self._mood = mood_metrics
        self._tracking = tracking_metrics
        self._record_outcome = record_outcome
        self._now = now

    async def process(self, key: str, value: bytes, partition: int | None) -> None:
        data = json.loads(value)
        stored = self._table.get(key)
        record = ConversationRecord.from_dict(stored["r"]) if stored is not None else None
        if "tick" in data:
            if record is None:
                self._deadlines.discard(key)
                return
            update = self._tracker.on_tick(record, self._now())
        else:
            event = Event.model_validate(data["event"])
            update = self._tracker.on_event(record, event, _sentiment(data.get("sentiment")))
        if update.dropped is not None:
            self._pipeline.dropped.labels(reason=update.dropped).inc()
        elif update.record is not None:
            await self._commit(key, update.record, update, partition)

    async def _commit(self, key: str, record: ConversationRecord, update: Update, partition: int | None) -> None:
        if record.sla.finished:
            self._table.pop(key, None)
            self._open.put(key, None)
        else:
            self._table[key] = {"p": partition, "r": record.to_dict()}
            self._open.put(key, open_entry(record))
        self._schedule(key, update.next_due_ts)
        for outcome in update.outcomes:
            self._sla.observe_outcome(outcome)
            self._record_outcome(outcome)
        for signal in update.signals:
            self._sla.observe_signal(signal)
        channel, team = record.sla.core.channel, record.sla.core.team
        for detractor in update.detractors:
            self._mood.observe_detractor(channel, detractor.reason.value, team)
        if update.survey is not None:
            self._mood.observe_survey(channel, update.survey.kind, update.survey.score)
        if update.resolution is not None:
            resolution = update.resolution
            self._tracking.observe_resolution(resolution.channel, resolution.first_contact, resolution.team)
        await self.emit(update.alerts)

    async def emit(self, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            await self._outputs.send(self._alerts_topic, alert.conversation_id or alert.channel, alert.to_json())

    def _schedule(self, key: str, due: float | None) -> None:
        self._deadlines.set(key, due)

    def rebuild(self, items: Iterable[tuple[str, Any]], partitions: set[int] | None) -> int:
        """Rebuild the deadline index and open figures from the table's records of ``partitions``."""
        self._deadlines.clear()
        self._open.clear()
        count = 0
        for key, stored in items:
            if stored is None or (partitions is not None and stored.get("p") not in partitions):
                continue
            record = ConversationRecord.from_dict(stored["r"])
            self._schedule(key, self._tracker.next_due_ts(record))
            self._open.put(key, open_entry(record))
            count += 1
        return count

    def due_now(self) -> list[str]:
        """Conversations with a deadline at or before now: each gets a tick message."""
        return self._deadlines.pop_due(self._now().astimezone(UTC).timestamp())
