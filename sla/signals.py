"""What the SLA engine tells the rest of supportwatch: signals (alerts to raise or clear)
and outcomes (a clock finished, for metrics and reports).

They are immutable named tuples (a replay makes millions of them: a tuple is made in one step, a
frozen dataclass sets each field through ``object.__setattr__``); instants are epoch seconds, read
as aware UTC datetimes through the ``*_at`` properties.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple


class Clock(StrEnum):
    FIRST_REPLY = "first_reply"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"


class SignalKind(StrEnum):
    WARNING = "warning"  # a warning threshold of a running clock was reached
    BREACH = "breach"  # the target was missed
    CRITICAL = "critical"  # the critical limit was missed (escalation level 2)
    STOPPED = "stopped"  # a clock that had warned or breached stopped: its alerts resolve


class ConversationRef(NamedTuple):
    """The conversation attributes every alert and metric needs."""

    conversation_id: str
    channel: str
    priority: str
    team: str | None
    agent_id: str | None
    customer_id: str | None


class SlaSignal(NamedTuple):
    kind: SignalKind
    conversation: ConversationRef
    clock: Clock
    # "warning:80%", "warning:2m before", "breach", "critical"; for STOPPED the highest level reached
    level: str
    policy: str  # name of the policy that set the deadline
    cycle: int  # which run of this clock (next reply and resolution run more than once per conversation)
    started: float  # epoch seconds; ``started_at`` is the datetime
    due: float  # when this level was due (for STOPPED: when the clock stopped); ``due_at``
    fired: float  # event time in replay, wall time in live mode; ``fired_at``
    target_seconds: float
    elapsed_seconds: float  # counted (business, unpaused) seconds at fired_at

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.started, UTC)

    @property
    def due_at(self) -> datetime:
        return datetime.fromtimestamp(self.due, UTC)

    @property
    def fired_at(self) -> datetime:
        return datetime.fromtimestamp(self.fired, UTC)


class ClockOutcome(NamedTuple):
    conversation: ConversationRef
    clock: Clock
    policy: str
    started: float  # epoch seconds; ``started_at`` is the datetime
    stopped: float  # epoch seconds; ``stopped_at``
    elapsed_seconds: float  # counted (business, unpaused) seconds
    target_seconds: float
    critical_seconds: float

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.started, UTC)

    @property
    def stopped_at(self) -> datetime:
        return datetime.fromtimestamp(self.stopped, UTC)

    @property
    def within_target(self) -> bool:
        return self.elapsed_seconds <= self.target_seconds
