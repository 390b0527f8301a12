"""How a stage ends a batch: send its records, wait for the broker's acknowledgement, then
publish its table's changelog records (at-least-once: a crash in between repeats what was sent,
which is deduplicated downstream, and loses nothing)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence

from alerts import Alert
from customers import ConversationFact
from streams.failures import Stage, log_failure, stage_letter
from streams.outputs import Outputs
from supportwatch.clock import Now
from supportwatch.metrics import PipelineMetrics

log = logging.getLogger(__name__)

Record = tuple[str, str, bytes]  # (topic, key, value)


class BatchSender:
    """Sends a batch's records and then calls ``then`` (the changelog publish), one batch at a
    time, so the changelog gets each key's writes in the order they were made. While the broker
    refuses, the batch waits and is sent again (its offsets are not committed meanwhile)."""

    def __init__(self, outputs: Outputs, *, retry_first: float = 0.5, retry_max: float = 30.0) -> None:
        self._outputs = outputs
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._lock = asyncio.Lock()

    async def send(self, records: Sequence[Record], then: Callable[[], None]) -> None:
        async with self._lock:
            delay = self._retry_first
            while True:
                try:
                    for topic, key, value in records:
                        await self._outputs.send(topic, key, value)
                    await self._outputs.flush()
                    break
                except Exception as exc:  # noqa: BLE001 - the broker refused: wait, send the batch again
                    log.warning("cannot send a batch's %d records (%s: %s); again in %.1f s",
                                len(records), type(exc).__name__, exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._retry_max)
            then()


def encoded_alerts(alerts: Iterable[Alert], alerts_topic: str, deadletter_topic: str,
                   metrics: PipelineMetrics, now: Now) -> list[Record]:
    """Alerts as records of the alerts topic (keyed by conversation, else channel); one that cannot
    be encoded becomes a dead letter of the ``emit`` stage."""
    out = []
    for alert in alerts:
        try:
            out.append((alerts_topic, alert.conversation_id or alert.channel, alert.to_json()))
        except Exception as exc:  # noqa: BLE001 - an alert we cannot encode is dead-lettered
            log_failure(Stage.EMIT, exc, f"alert {alert.id}")
            metrics.stage_errors.labels(stage=Stage.EMIT.value).inc()
            letter = stage_letter(Stage.EMIT, exc, repr(alert).encode("utf-8", "backslashreplace"),
                                  received_at=now(), source_topic=alerts_topic, partition=None, offset=None)
            out.append((deadletter_topic, Stage.EMIT.value, letter))
    return out


def encoded_facts(facts: Iterable[ConversationFact], customers_topic: str, deadletter_topic: str,
                  metrics: PipelineMetrics, now: Now) -> list[Record]:
    """Facts as records of the customers topic (keyed by customer); one that cannot be encoded
    becomes a dead letter of the ``emit`` stage."""
    out = []
    for fact in facts:
        try:
            out.append((customers_topic, fact.customer_id, fact.to_json()))
        except Exception as exc:  # noqa: BLE001 - a fact we cannot encode is dead-lettered
            log_failure(Stage.EMIT, exc, f"the fact of conversation {fact.conversation_id!r}")
            metrics.stage_errors.labels(stage=Stage.EMIT.value).inc()
            letter = stage_letter(Stage.EMIT, exc, repr(fact).encode("utf-8", "backslashreplace"),
                                  received_at=now(), source_topic=customers_topic, partition=None, offset=None)
            out.append((deadletter_topic, Stage.EMIT.value, letter))
    return out
