"""The worker's aiokafka fetcher: polls that take turns between partitions, and no spinning on
empty fetches.

Turns. aiokafka keeps what it fetched per partition in the order the fetches came back and starts
every poll at the first of them; a poll hands on at most ``max_poll_records`` (faust's
``broker_max_poll_records``). So while an input partition holds a backlog, every poll is filled from
it and the customers topic's facts, fetched after it, wait until the backlog is worked off. On the
embedded noida-db broker, which answers a fetch with the partition's whole log whatever
``max_partition_fetch_bytes`` says, that is the whole backlog (BENCHMARKS.md "Customer stage":
20,000 input events, no fact consumed until the last of them). Each poll here starts one partition
further on instead, so with bounded polls every partition with records gets its turn.

Empty fetches. Kafka holds a fetch that finds nothing for up to ``fetch_max_wait_ms`` and answers
as soon as records arrive. noida-db answers it at once, so an idle consumer sends thousands of
fetches a second and takes most of a core, and the GIL from the agents (BENCHMARKS.md "Broker").
A fetch here that brought nothing back lasts at least :data:`EMPTY_FETCH_SECONDS`: a record that
arrives meanwhile waits that long at most. On Kafka an empty fetch already takes longer, so
nothing changes there.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiokafka.consumer.consumer as aiokafka_consumer
from aiokafka.consumer.fetcher import Fetcher

EMPTY_FETCH_SECONDS = 0.01


class WorkerFetcher(Fetcher):
    async def fetched_records(self, partitions: Any, timeout: float = 0, max_records: int | None = None) -> Any:
        buffered = self._records
        if max_records is not None and len(buffered) > 1:
            buffered.move_to_end(next(iter(buffered)))  # this poll starts at the next partition
        return await super().fetched_records(partitions, timeout=timeout, max_records=max_records)

    async def _proc_fetch_request(self, assignment: Any, node_id: int, request: Any) -> bool:
        started = time.monotonic()
        found: bool = await super()._proc_fetch_request(assignment, node_id, request)
        if not found:
            rest = EMPTY_FETCH_SECONDS - (time.monotonic() - started)
            if rest > 0:
                try:
                    await asyncio.sleep(rest)  # the node's next fetch waits for this one to end
                except asyncio.CancelledError:  # close() or a lost assignment, as aiokafka's own fetch
                    return False
        return found


def use_worker_fetcher() -> None:
    """Make aiokafka's consumers in this process use :class:`WorkerFetcher` (idempotent)."""
    aiokafka_consumer.Fetcher = WorkerFetcher
