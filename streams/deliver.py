"""The deliver stage: every alert on the alerts topic goes through routing, Redis dedup and the
outbox. While Redis is down the stage waits and retries the same alert, so later alerts stay
buffered in the alerts topic (its offsets are not committed past an undelivered alert). A record
the stage cannot handle (not an alert, or one that makes routing raise) is dead-lettered with the
stage's name, and the stage goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from supportwatch.alerts import Alert, AlertDelivery
from supportwatch.alerts.exceptions import RedisUnavailable
from supportwatch.base.clock import Now
from supportwatch.metrics import PipelineMetrics
from supportwatch.streams.failures import Stage, log_failure, stage_letter
from supportwatch.streams.outputs import Outputs

log = logging.getLogger(__name__)

Record = tuple[bytes, int | None, int | None]  # value, partition, offset


class DeliverStage:
    def __init__(
        self,
        delivery: AlertDelivery,
        *,
        outputs: Outputs,
        deadletter_topic: str,
        source_topic: str,
        metrics: PipelineMetrics,
        now: Now,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._delivery = delivery
        self._outputs = outputs
        self._deadletter = deadletter_topic
        self._source = source_topic
        self._metrics = metrics
        self._now = now
        self._first = first_backoff
        self._max = max_backoff
        self._sleep = sleep

    async def process(self, value: bytes, partition: int | None = None, offset: int | None = None) -> None:
        await self.process_many([(value, partition, offset)])

    async def process_many(self, records: Sequence[Record]) -> None:
        """Submit a batch of alert records in one Redis round trip; a record that is not an alert, or
        that routing cannot take, is dead-lettered. While Redis is down the batch waits and is
        submitted again (submitting is idempotent)."""
        parsed: list[tuple[Alert, Record]] = []
        for record in records:
            try:
                parsed.append((Alert.from_json(record[0]), record))
            except Exception as exc:  # noqa: BLE001 - dead-letter what the stage cannot read, go on
                await self._dead_letter(exc, record)
        delay = self._first
        while parsed:
            try:
                await self._delivery.submit_many([alert for alert, _ in parsed])
                return
            except RedisUnavailable as exc:
                log.warning("Redis unavailable (%s); %d alerts wait on the alerts topic, retry in %.1fs",
                            exc, len(parsed), delay)
                await self._sleep(delay)
                delay = min(delay * 2, self._max)
            except Exception as exc:  # noqa: BLE001 - find the alert that fails, submit the others
                if len(parsed) == 1:
                    await self._dead_letter(exc, parsed[0][1])
                    return
                for _, record in parsed:
                    await self.process_many([record])
                return

    async def _dead_letter(self, exc: BaseException, record: Record) -> None:
        value, partition, offset = record
        log_failure(Stage.DELIVER, exc, f"{self._source}[{partition}]@{offset}")
        self._metrics.stage_errors.labels(stage=Stage.DELIVER.value).inc()
        letter = stage_letter(Stage.DELIVER, exc, value, received_at=self._now(), source_topic=self._source,
                              partition=partition, offset=offset)
        await (await self._outputs.send(self._deadletter, Stage.DELIVER.value, letter))

    async def drain_forever(self) -> None:
        """Deliver the outbox until the worker stops (the task is cancelled); rides out Redis outages."""
        await self._delivery.drain(asyncio.Event())

