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
    """Sends batches of records; once a batch's own records are acknowledged it calls the batch's
    ``then`` (the changelog publish). Batches keep the order in which they were started twice: their
    records reach the producer in that order (a batch's records are handed on only after those of
    the batch before it), so one key's records are on its partition in the order they were made, and
    the ``then`` calls keep it, so the changelog gets each key's writes in order. A batch does not
    wait for the one before it to be acknowledged before its records go to the producer. While the
    broker refuses, the batch waits and is sent again (its offsets are not committed meanwhile);
    records sent again may then follow those of later batches."""

    def __init__(self, outputs: Outputs, *, retry_first: float = 0.5, retry_max: float = 30.0) -> None:
        self._outputs = outputs
        self._retry_first = retry_first
        self._retry_max = retry_max
        self._last: asyncio.Future[None] | None = None
        self._handed: asyncio.Future[None] | None = None

    def start(self, records: Sequence[Record], then: Callable[[], None]) -> asyncio.Future[None]:
        """Queue a batch; its place in the order is taken by this call. The returned future is done
        once the batch is acknowledged and ``then`` was called."""
        handed = asyncio.get_running_loop().create_future()
        done = asyncio.ensure_future(self._send(records, then, self._last, self._handed, handed))
        self._last, self._handed = done, handed
        return done

    async def send(self, records: Sequence[Record], then: Callable[[], None]) -> None:
        await self.start(records, then)

    async def _send(self, records: Sequence[Record], then: Callable[[], None],
                    previous: asyncio.Future[None] | None, previous_handed: asyncio.Future[None] | None,
                    handed: asyncio.Future[None]) -> None:
        delay = self._retry_first
        try:
            if previous_handed is not None:
                await previous_handed
            while True:
                try:
                    receipts = [await self._outputs.send(topic, key, value) for topic, key, value in records]
                    _set(handed)
                    await asyncio.gather(*receipts)
                    break
                except Exception as exc:  # noqa: BLE001 - the broker refused: wait, send the batch again
                    log.warning("cannot send a batch's %d records (%s: %s); again in %.1f s",
                                len(records), type(exc).__name__, exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._retry_max)
        finally:
            _set(handed)  # a batch that ends (cancelled at shutdown) holds no later one back
        if previous is not None:
            await asyncio.wait([previous])  # its outcome is its own sender's to report
        then()


def _set(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
