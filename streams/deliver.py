"""Stage 3, deliver: every alert on the alerts topic goes through routing, Redis dedup and the
outbox. While Redis is down the stage waits and retries the same alert, so later alerts stay
buffered in the alerts topic (its offsets are not committed past an undelivered alert)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from alerts import Alert, AlertDelivery
from alerts.exceptions import RedisUnavailable

log = logging.getLogger(__name__)


class DeliverStage:
    def __init__(
        self,
        delivery: AlertDelivery,
        *,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._delivery = delivery
        self._first = first_backoff
        self._max = max_backoff
        self._sleep = sleep

    async def process(self, value: bytes) -> None:
        alert = Alert.from_json(value)
        delay = self._first
        while True:
            try:
                await self._delivery.submit(alert)
                return
            except RedisUnavailable as exc:
                log.warning("Redis unavailable (%s); alert %s waits on the alerts topic, retry in %.1fs",
                            exc, alert.id, delay)
                await self._sleep(delay)
                delay = min(delay * 2, self._max)

    async def drain_forever(self) -> None:
        """Deliver the outbox until the worker stops (the task is cancelled); rides out Redis outages."""
        await self._delivery.drain(asyncio.Event())
