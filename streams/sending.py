"""How a stage ends a batch: send its records, wait for the broker's acknowledgement, then
publish its table's changelog records (at-least-once: a crash in between repeats what was sent,
which is deduplicated downstream, and loses nothing)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from supportwatch.streams.codec import Record
from supportwatch.streams.outputs import Outputs

log = logging.getLogger(__name__)


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
