"""Polls that take turns between partitions, so that one topic's backlog cannot starve another's.

aiokafka keeps what it fetched per partition in the order the fetches came back and starts every
poll at the first of them; a poll hands on at most ``max_poll_records`` (faust's
``broker_max_poll_records``). So while an input partition holds a backlog, every poll is filled from
it and the customers topic's facts, fetched after it, wait until the backlog is worked off. On the
embedded noida-db broker, which answers a fetch with the partition's whole log whatever
``max_partition_fetch_bytes`` says, that is the whole backlog (BENCHMARKS.md "Customer stage":
20,000 input events, no fact consumed until the last of them). Each poll here starts one partition
further on instead, so with bounded polls every partition with records gets its turn.
"""

from __future__ import annotations

from typing import Any

import aiokafka.consumer.consumer as aiokafka_consumer
from aiokafka.consumer.fetcher import Fetcher


class TurnTakingFetcher(Fetcher):
    async def fetched_records(self, partitions: Any, timeout: float = 0, max_records: int | None = None) -> Any:
        buffered = self._records
        if max_records is not None and len(buffered) > 1:
            buffered.move_to_end(next(iter(buffered)))  # this poll starts at the next partition
        return await super().fetched_records(partitions, timeout=timeout, max_records=max_records)


def take_turns_between_partitions() -> None:
    """Make aiokafka's consumer use :class:`TurnTakingFetcher` (idempotent)."""
    aiokafka_consumer.Fetcher = TurnTakingFetcher
