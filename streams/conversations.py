"""The conversations stage: one hop from an input event to its conversation's new state.

The input topic is keyed by conversation id, so the partition that receives an event owns its
conversation. A batch of raw messages is validated at the edge (invalid ones are dead-lettered),
its customer messages are classified in one call off the event loop, and each event is applied
to its conversation in the conversation table, in partition order. The deadline timer calls
:meth:`ConversationStage.fire_due`, which fires due SLA levels straight from the per-partition
deadline index, as far as each partition's fire horizon allows (streams/progress.py).

Every batch ends the same way: its alerts are sent and acknowledged, then the table's changelog
gets one record per conversation touched. The alerts of a conversation with a customer id travel
inside its :class:`~customers.ConversationFact` to the customers topic (keyed by customer), where
the customer stage adds the customer's context and sends them on to the alerts topic. A crash in
between repeats alerts (the delivery deduplicates them) rather than losing any. A record that makes
a stage raise is dead-lettered with the stage's name (streams/failures.py) and the stage goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from supportwatch.alerts import Alert
from supportwatch.base.clock import Now
from supportwatch.customers import ConversationFact
from supportwatch.events import DeadLetter, Event, EventLimits, InvalidEvent, decode_event
from supportwatch.metrics import PipelineMetrics
from supportwatch.models.metrics import SentimentMetrics
from supportwatch.models.protocol import Classifier, Sentiment
from supportwatch.models.text import clean
from supportwatch.sla import DeadlineIndex
from supportwatch.streams.codec import Record, decode, encode, encoded_alerts, encoded_facts
from supportwatch.streams.failures import Stage, log_failure, read_stored, stage_letter
from supportwatch.streams.outputs import Outputs
from supportwatch.streams.progress import PartitionProgress
from supportwatch.streams.sending import BatchSender
from supportwatch.tracking import ConversationRecord, OpenConversations, Tracker, Update
from supportwatch.tracking.open_index import open_entry
from supportwatch.tracking.reading import Emitted, UpdateReader, read

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawMessage:
    value: bytes
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Topics:
    source: str
    alerts: str
    deadletter: str
    customers: str


@dataclass(slots=True)
class _Out:
    """What a batch or a timer run sends: dead letters (topic key, value), alerts, and facts for
    the customer stage."""

    letters: list[tuple[str, bytes]] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    facts: list[ConversationFact] = field(default_factory=list)

    def take(self, emitted: Emitted) -> None:
        if emitted.fact is not None:
            self.facts.append(emitted.fact)
        else:
            self.alerts.extend(emitted.alerts)


@dataclass(slots=True)
class _Item:
    raw: RawMessage
    event: Event
    sentiment: Sentiment | None = None


def _timed(classifier: Classifier, texts: list[str]) -> tuple[Sequence[Sentiment], float]:
    """Classify in the executor and say how long the model itself took (not the wait for the thread)."""
    started = time.perf_counter()
    return classifier.classify(texts), time.perf_counter() - started


class _Classifying:
    """A batch's customer messages being classified in the executor."""

    __slots__ = ("classifier", "future", "wanted")

    def __init__(self, classifier: Classifier, wanted: list[_Item], executor: Executor | None) -> None:
        self.classifier = classifier
        self.wanted = wanted
        texts = [item.event.text or "" for item in wanted]
        self.future = asyncio.get_running_loop().run_in_executor(executor, _timed, classifier, texts)


@dataclass(slots=True)
class Prepared:
    """A batch validated and being classified, waiting to be applied."""

    batch: Sequence[RawMessage]
    items: list[_Item] = field(default_factory=list)
    out: _Out = field(default_factory=_Out)
    classifying: _Classifying | None = None


class ConversationStage:
    def __init__(
        self,
        *,
        tracker: Tracker,
        table: Any,
        topics: Topics,
        outputs: Outputs,
        limits: EventLimits,
        classifier: Callable[[], Classifier] | None,
        backend: str,
        progress: PartitionProgress,
        open_conversations: OpenConversations,
        pipeline_metrics: PipelineMetrics,
        sentiment_metrics: SentimentMetrics,
        reader: UpdateReader,
        now: Now,
        executor: Executor | None = None,
        fire_limit: int = 5_000,
        retry_first: float = 0.5,
        retry_max: float = 30.0,
    ) -> None:
        self._tracker = tracker
        self._table = table
        self._topics = topics
        self._outputs = outputs
        self._limits = limits
        self._classifier = classifier
        self._backend = backend
        self.progress = progress
        self._open = open_conversations
        self._pipeline = pipeline_metrics
        self._sentiment = sentiment_metrics
        self._reader = reader
        self._now = now
        self._executor = executor
        self._fire_limit = fire_limit
        self._sender = BatchSender(outputs, retry_first=retry_first, retry_max=retry_max)
        self._deadlines: dict[int, DeadlineIndex[str]] = {}

    # --- events ------------------------------------------------------------------------------
    async def process(self, batch: Sequence[RawMessage]) -> None:
        """Prepare and apply one batch and wait until its output is acknowledged (the agent overlaps
        batches through streams/lookahead.py)."""
        await (await self.apply(self.prepare(batch)))

    def prepare(self, batch: Sequence[RawMessage]) -> Prepared:
        """Validate the batch at the edge and start classifying its customer messages off the loop."""
        now = self._now()
        prepared = Prepared(batch)
        for raw in batch:
            try:
                prepared.items.append(_Item(raw, decode_event(raw.value, self._limits, now)))
            except InvalidEvent as exc:
                self._invalid(raw, exc, prepared.out)
        if self._classifier is not None:
            wanted = [item for item in prepared.items if item.event.is_customer_message and item.event.text
                      and clean(item.event.text)]
            if wanted:
                prepared.classifying = _Classifying(self._classifier(), wanted, self._executor)
        return prepared

    async def apply(self, prepared: Prepared) -> asyncio.Future[None]:
        """Apply a prepared batch to its conversations in partition order and hand its output to the
        sender; the future is done once the output is acknowledged and the changelog written."""
        out = prepared.out
        if prepared.classifying is not None:
            await self._classified(prepared.classifying, out)
        # From here to _finish nothing awaits: the batch's table writes are taken as one snapshot.
        for key, group in _by_conversation(prepared.items).items():
            self._track(key, group, out)
        for raw in prepared.batch:
            self.progress.applied(raw.partition, raw.offset, None)
        for item in prepared.items:
            self.progress.applied(item.raw.partition, item.raw.offset, item.event.occurred_at.timestamp())
        return self._start(out)

    def _invalid(self, raw: RawMessage, exc: InvalidEvent, out: _Out) -> None:
        self._pipeline.invalid.labels(reason=exc.reason).inc()
        letter = DeadLetter(
            reason=exc.reason, detail=exc.detail, original=raw.value, received_at=self._now(),
            source_topic=self._topics.source, partition=raw.partition, offset=raw.offset,
        )
        log.warning("dead-lettered message at %s[%s]@%s: %s", self._topics.source, raw.partition, raw.offset, exc)
        out.letters.append((exc.reason, letter.to_json()))

    def _failed(self, stage: Stage, raw: RawMessage, exc: BaseException, out: _Out) -> None:
        log_failure(stage, exc, f"{self._topics.source}[{raw.partition}]@{raw.offset}")
        self._pipeline.stage_errors.labels(stage=stage.value).inc()
        letter = stage_letter(stage, exc, raw.value, received_at=self._now(), source_topic=self._topics.source,
                              partition=raw.partition, offset=raw.offset)
        out.letters.append((stage.value, letter))

    async def _classified(self, classifying: _Classifying, out: _Out) -> None:
        """Set the sentiments of the batch; if the model fails on the batch, find the message it
        cannot take and classify the others one by one."""
        wanted = classifying.wanted
        results: list[Sentiment | None]
        try:
            found, seconds = await classifying.future
            results = list(found)
        except Exception:  # noqa: BLE001 - find the message the model cannot take, classify the rest
            results, seconds = [], 0.0
            loop = asyncio.get_running_loop()
            for item in wanted:
                try:
                    one, took = await loop.run_in_executor(
                        self._executor, _timed, classifying.classifier, [item.event.text or ""])
                    results.extend(one)
                    seconds += took
                except Exception as exc:  # noqa: BLE001 - the event is tracked without a sentiment
                    results.append(None)
                    self._failed(Stage.CLASSIFY, item.raw, exc, out)
        self._sentiment.observe_batch(self._backend, len(wanted), seconds)
        for item, sentiment in zip(wanted, results, strict=True):
            item.sentiment = sentiment

    def _track(self, key: str, group: list[_Item], out: _Out) -> None:
        """Apply a conversation's events of the batch in order; store the record once."""
        stored = self._table.get(key)
        partition = group[0].raw.partition
        record = self._load(key, stored)
        applied: list[_Item] = []
        updates: list[Update] = []
        for item in group:
            try:
                update = self._tracker.on_event(record, item.event, item.sentiment)
            except Exception as exc:  # noqa: BLE001 - dead-letter it, restore the record before it
                self._failed(Stage.TRACK, item.raw, exc, out)
                record = self._reapply(key, stored, applied)
                continue
            applied.append(item)
            updates.append(update)
            if update.record is not None:
                record = update.record
        if record is not None:
            try:
                self._store(partition, key, record)
            except Exception as exc:  # noqa: BLE001 - nothing of the group is applied
                for item in applied:
                    self._failed(Stage.STORE, item.raw, exc, out)
                self._restore(key, stored)
                updates = []
        self._count(group)
        for update in updates:
            out.take(read(update, self._reader))

    def _count(self, group: Iterable[_Item]) -> None:
        for item in group:
            event = item.event
            self._pipeline.events.labels(channel=event.channel.value, type=event.type.value).inc()
            if item.sentiment is not None:
                self._sentiment.observe(event.channel.value, item.sentiment)

    def _load(self, key: str, stored: bytes | None) -> ConversationRecord | None:
        """The stored record; one we cannot read starts the conversation afresh."""
        found = self._read(key, stored) if stored is not None else None
        return found[1] if found is not None else None

    def _read(self, key: str, stored: bytes) -> tuple[int, ConversationRecord] | None:
        return read_stored(decode, stored, Stage.STORE, f"the stored record of conversation {key!r}",
                           self._pipeline.stage_errors)

    def _reapply(self, key: str, stored: bytes | None, applied: Sequence[_Item]) -> ConversationRecord | None:
        """The record as it was before a failed event: the stored one with the events applied since."""
        record = self._load(key, stored)
        for item in applied:
            update = self._tracker.on_event(record, item.event, item.sentiment)
            if update.record is not None:
                record = update.record
        return record

    def _store(self, partition: int, key: str, record: ConversationRecord) -> None:
        if record.sla.finished:
            self._table.remove(partition, key)
            self._open.put(key, None)
            self._index(partition).discard(key)
            return
        self._table.put(partition, key, encode(partition, record))
        self._open.put(key, open_entry(record, self._tracker.deadline(record)))
        self._index(partition).set(key, self._tracker.next_due_ts(record))

    def _restore(self, key: str, stored: bytes | None) -> None:
        if stored is None:
            return
        partition, record = decode(stored)
        self._index(partition).set(key, self._tracker.next_due_ts(record))

    # --- deadlines ---------------------------------------------------------------------------
    def _index(self, partition: int) -> DeadlineIndex[str]:
        index = self._deadlines.get(partition)
        if index is None:
            index = self._deadlines[partition] = DeadlineIndex()
        return index

    async def fire_due(self) -> int:
        """Fire every level due up to each partition's horizon (at most ``fire_limit`` conversations
        a call; the rest stay due for the next call). Returns how many conversations were ticked."""
        now_ts = self._now().timestamp()
        out = _Out()
        ticked = 0
        for partition, index in list(self._deadlines.items()):
            horizon = self.progress.horizon(partition, now_ts)
            if horizon is None:
                continue
            for key in index.pop_due(horizon, limit=self._fire_limit - ticked):
                ticked += 1
                self._tick(partition, key, horizon, out)
            if ticked >= self._fire_limit:
                break
        if ticked:
            await self._finish(out)
        return ticked

    def _tick(self, partition: int, key: str, horizon: float, out: _Out) -> None:
        stored = self._table.get(key)
        if stored is None:
            return
        try:
            record = decode(stored)[1]
            update = self._tracker.on_tick(record, horizon)
            if update.record is not None:
                self._store(partition, key, update.record)
        except Exception as exc:  # noqa: BLE001 - counted and logged; the conversation's next event re-indexes it
            log_failure(Stage.TICK, exc, f"conversation {key!r}")
            self._pipeline.stage_errors.labels(stage=Stage.TICK.value).inc()
            return
        out.take(read(update, self._reader))

    def revoke(self, partitions: Iterable[int]) -> None:
        """Forget the deadlines and progress of partitions this worker no longer owns."""
        gone = list(partitions)
        for partition in gone:
            self._deadlines.pop(partition, None)
        self.progress.forget(gone)

    def rebuild(self, items: Iterable[tuple[str, Any]], partitions: set[int]) -> int:
        """Rebuild the deadline indices and open figures from the table's records of ``partitions``."""
        for partition in partitions:
            self._deadlines[partition] = DeadlineIndex()
        self._open.clear()
        count = 0
        for key, stored in items:
            found = self._read(key, stored) if stored is not None else None
            if found is None or found[0] not in partitions:
                continue
            partition, record = found
            self._deadlines[partition].set(key, self._tracker.next_due_ts(record))
            self._open.put(key, open_entry(record, self._tracker.deadline(record)))
            count += 1
        return count

    def pending_deadlines(self) -> int:
        return sum(len(index) for index in self._deadlines.values())

    # --- output ------------------------------------------------------------------------------
    async def emit(self, alerts: Iterable[Alert]) -> None:
        """Send alerts that change no conversation (channel health) to the alerts topic."""
        out = _Out(alerts=list(alerts))
        if out.alerts:
            await self._finish(out)

    async def _finish(self, out: _Out) -> None:
        await self._start(out)

    def _start(self, out: _Out) -> asyncio.Future[None]:
        """Hand the dead letters, alerts and facts to the sender, which writes the changelog records
        of the table writes made so far once they are acknowledged (streams/sending.py)."""
        writes = self._table.take_unpublished()
        topics = self._topics
        records: list[Record] = [(topics.deadletter, key, letter) for key, letter in out.letters]
        records.extend(encoded_alerts(out.alerts, topics.alerts, topics.deadletter, self._pipeline, self._now))
        records.extend(encoded_facts(out.facts, topics.customers, topics.deadletter, self._pipeline, self._now))
        return self._sender.start(records, lambda: self._table.publish(writes))


def _by_conversation(items: Iterable[_Item]) -> dict[str, list[_Item]]:
    groups: dict[str, list[_Item]] = {}
    for item in items:
        groups.setdefault(item.event.conversation_id, []).append(item)
    return groups
