"""Consumer-group membership that survives a commit refused for a stale generation.

aiokafka answers an ``ILLEGAL_GENERATION`` reply to an OffsetCommit by forgetting the member id and
joining again as a new member. The broker still counts the old id as a member of the group (until it
evicts it): Kafka does after the session timeout, the embedded noida-db broker never does. There the
old id stays in the group as its leader and never sends an assignment, so the worker re-joins every
session timeout and consumes nothing again (seen in tests/integration/test_scale_out.py: the
surviving worker committed while the group rebalanced after the other one left).

The Java client keeps the member id on ``ILLEGAL_GENERATION`` (only the generation is stale) and so
does this coordinator: it rejoins under its own id, which the broker accepts as the same member (and
if the broker no longer knows it, the JoinGroup reply says so and the id is reset then).
"""

from __future__ import annotations

from typing import Any

import aiokafka.consumer.consumer as aiokafka_consumer
from aiokafka import errors
from aiokafka.consumer.group_coordinator import GroupCoordinator


class MemberKeepingCoordinator(GroupCoordinator):
    async def _do_commit_offsets(self, assignment: Any, offsets: Any) -> Any:
        member_id: str = self.member_id  # type: ignore[has-type]
        try:
            return await super()._do_commit_offsets(assignment, offsets)
        except errors.IllegalGenerationError:
            # super() reset the generation and the member id just before raising; keep the id.
            self.member_id = member_id
            raise


def keep_member_id_on_stale_commit() -> None:
    """Make aiokafka's consumer use :class:`MemberKeepingCoordinator` (idempotent)."""
    aiokafka_consumer.GroupCoordinator = MemberKeepingCoordinator
