"""The customer stage: conversation facts, keyed by customer, applied to the customer table.

The customers topic is keyed by customer id, so the partition that receives a fact owns its
customer. A batch of facts is decoded (an unreadable one is dead-lettered), each customer's facts
are applied in order by :class:`~customers.CustomerTracker`, and the customer's record is written
once per batch. The conversations' alerts that the facts carry leave with the customer's context,
followed by the customer's own alerts (repeat contact, churn risk), to the alerts topic, and a new
conversation whose events name no tier gets the customer's remembered one as an ``assignment``
event on the input topic (at its opening time, within the lateness); then the
table's changelog is written (streams/sending.py: at-least-once; a fact whose sequence number was
applied changes nothing, and its alerts go out again, deduplicated on delivery). The writes of a
batch are taken, and its place in the changelog's order with them, in the same step that applies
it; so the agent takes and applies the next batch while the broker acknowledges the one before.
A fact that makes the tracker raise is dead-lettered with the stage ``customer``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from supportwatch.alerts import Alert
from supportwatch.base.clock import Now
from supportwatch.customers import ConversationFact, CustomerState, CustomerTracker, FactError
from supportwatch.customers.metrics import AtRiskBoard, CustomerMetrics
from supportwatch.metrics import PipelineMetrics
from supportwatch.streams.codec import Record, decode_customer, encode_customer, encoded_alerts, tier_record
from supportwatch.streams.conversations import RawMessage, Topics
from supportwatch.streams.failures import Stage, log_failure, read_stored, stage_letter
from supportwatch.streams.outputs import Outputs
from supportwatch.streams.sending import BatchSender

log = logging.getLogger(__name__)


class CustomerStage:
    def __init__(
        self,
        *,
        tracker: CustomerTracker,
        table: Any,
        topics: Topics,
        outputs: Outputs,
        metrics: CustomerMetrics,
        pipeline_metrics: PipelineMetrics,
        now: Now,
        retry_first: float = 0.5,
        retry_max: float = 30.0,
    ) -> None:
        self.tracker = tracker
        self._table = table
        self._topics = topics
        self._metrics = metrics
        self._pipeline = pipeline_metrics
        self._now = now
        self._sender = BatchSender(outputs, retry_first=retry_first, retry_max=retry_max)
        self.board = AtRiskBoard(metrics)
        self._held: set[str] = set()

    async def process(self, batch: Sequence[RawMessage]) -> None:
        """Apply a batch and wait until its output is acknowledged (the agent overlaps batches
        through streams/lookahead.py)."""
        await self.prepare(batch)

    def prepare(self, batch: Sequence[RawMessage]) -> asyncio.Future[None]:
        """Apply a batch's facts to their customers and hand the output to the sender; the future is
        done once the output is acknowledged and the changelog written."""
        letters: list[tuple[str, bytes]] = []
        alerts: list[Alert] = []
        tiers: list[Record] = []
        groups: dict[str, list[tuple[RawMessage, ConversationFact]]] = {}
        for raw in batch:
            try:
                fact = ConversationFact.from_json(raw.value)
            except FactError as exc:
                self._failed(raw, exc, letters)
                continue
            groups.setdefault(fact.customer_id, []).append((raw, fact))
        for customer_id, group in groups.items():
            self._apply(customer_id, group, letters, alerts, tiers)
        self.board.publish(len(self._held))
        return self._start(letters, alerts, tiers)

    def _apply(self, customer_id: str, group: list[tuple[RawMessage, ConversationFact]],
               letters: list[tuple[str, bytes]], alerts: list[Alert], tiers: list[Record]) -> None:
        partition = group[0][0].partition
        state = self.load(customer_id)
        for raw, fact in group:
            try:
                step = self.tracker.apply(state, fact)
            except Exception as exc:  # noqa: BLE001 - dead-letter the fact, keep the state before it
                self._failed(raw, exc, letters)
                state = self.load(customer_id)
                continue
            state = step.state
            self._metrics.observe(step)
            alerts.extend(step.alerts)
            if step.tier is not None:  # back to the input: the conversation's policies follow the tier
                tiers.append(tier_record(self._topics.source, fact, step.tier))
        if state is None:
            return
        self._store(partition, customer_id, state)

    def load(self, customer_id: str) -> CustomerState | None:
        """The stored state; one we cannot read starts the customer afresh."""
        found = self._read(customer_id, self._table.get(customer_id))
        return found[1] if found is not None else None

    def _read(self, customer_id: str, stored: bytes | None) -> tuple[int, CustomerState] | None:
        if stored is None:
            return None
        return read_stored(decode_customer, stored, Stage.CUSTOMER, f"the stored state of customer {customer_id!r}",
                           self._pipeline.stage_errors)

    def _store(self, partition: int, customer_id: str, state: CustomerState) -> None:
        self._table.put(partition, customer_id, encode_customer(partition, state))
        self._held.add(customer_id)
        self.board.set(customer_id, state.risk)

    def _failed(self, raw: RawMessage, exc: BaseException, letters: list[tuple[str, bytes]]) -> None:
        log_failure(Stage.CUSTOMER, exc, f"{self._topics.customers}[{raw.partition}]@{raw.offset}")
        self._pipeline.stage_errors.labels(stage=Stage.CUSTOMER.value).inc()
        letters.append((Stage.CUSTOMER.value, stage_letter(
            Stage.CUSTOMER, exc, raw.value, received_at=self._now(), source_topic=self._topics.customers,
            partition=raw.partition, offset=raw.offset)))

    async def reevaluate(self) -> int:
        """Judge the churn risk of the customers at risk again by the clock: what put them at risk
        ages out of the window. Returns how many are no longer at risk."""
        now_ts = self._now().timestamp()
        alerts: list[Alert] = []
        ended = 0
        for customer_id in self.board.customers():
            found = self._read(customer_id, self._table.get(customer_id))
            if found is None:
                self.board.set(customer_id, ())
                continue
            partition, state = found
            try:
                step = self.tracker.reevaluate(state, now_ts)
            except Exception as exc:  # noqa: BLE001 - counted and logged; the customer's next fact judges it again
                log_failure(Stage.CUSTOMER, exc, f"the churn risk of customer {customer_id!r}")
                self._pipeline.stage_errors.labels(stage=Stage.CUSTOMER.value).inc()
                continue
            if not step.alerts:
                continue
            ended += 1
            alerts.extend(step.alerts)
            self._store(partition, customer_id, state)
        self.board.publish(len(self._held))
        if alerts:
            await self._start([], alerts)
        return ended

    def rebuild(self, items: Iterable[tuple[str, Any]], partitions: set[int]) -> int:
        """The customers held and at risk, from the table's records of ``partitions``."""
        held: set[str] = set()
        risky: list[tuple[str, tuple[str, ...]]] = []
        for key, stored in items:
            found = self._read(key, stored)
            if found is not None and found[0] in partitions:
                held.add(key)
                risky.append((key, found[1].risk))
        self._held = held
        self.board.replace(risky)
        self.board.publish(len(held))
        return len(held)

    def _start(
        self, letters: list[tuple[str, bytes]], alerts: list[Alert], tiers: Sequence[Record] = ()
    ) -> asyncio.Future[None]:
        writes = self._table.take_unpublished()
        topics = self._topics
        records: list[Record] = [(topics.deadletter, key, letter) for key, letter in letters]
        records.extend(encoded_alerts(alerts, topics.alerts, topics.deadletter, self._pipeline, self._now))
        records.extend(tiers)
        return self._sender.start(records, lambda: self._table.publish(writes))
