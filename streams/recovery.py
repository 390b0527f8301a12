"""Table recovery that does not drop the events delivered while it ends.

faust 0.15.3 ends a recovery by resuming the stream partitions and seeking them to their committed
offsets, and only then resumes the app's flow control; resuming flow control clears the streams'
queues. An event that the consumer delivers in between (the seek's round trips to the consumer
thread give it time to) is cleared from its stream's queue unapplied, while faust's read offset has
passed it: it is never applied and never acknowledged until the next rebalance. Seen in
tests/integration/test_customers.py: a restarted worker, Ready, never took the one event at its
committed offset (2 of 6 runs in a fresh clone).

:class:`SeekingRecovery` seeks to the committed offsets once more after faust's recovery has resumed
the flow, so whatever was cleared is read again. Events delivered meanwhile are read twice: the
stages drop a repeated event id, a repeated fact by its sequence number, and delivery a repeated
alert.
"""

from __future__ import annotations

from typing import Any

from faust.tables import TableManager
from faust.tables.recovery import Recovery


class SeekingRecovery(Recovery):
    async def on_recovery_completed(self, generation_id: int = 0) -> None:
        await super().on_recovery_completed(generation_id)
        if self.completed.is_set() and self.app.consumer_generation_id == generation_id:
            await self.app.consumer.perform_seek()


class SeekingTableManager(TableManager):
    """faust's table manager with :class:`SeekingRecovery` (the app's ``TableManager`` setting)."""

    @property
    def recovery(self) -> Any:
        if self._recovery is None:
            self._recovery = SeekingRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
