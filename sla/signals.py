"""What the SLA engine tells the rest of supportwatch: signals (alerts to raise or clear)
and outcomes (a clock finished, for metrics and reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Clock(StrEnum):
    FIRST_REPLY = "first_reply"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"


class SignalKind(StrEnum):
    WARNING = "warning"  # a warning threshold of a running clock was reached
    BREACH = "breach"  # the target was missed
    CRITICAL = "critical"  # the critical limit was missed (escalation level 2)
    STOPPED = "stopped"  # a clock that had warned or breached stopped: its alerts resolve


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """The conversation attributes every alert and metric needs."""

    conversation_id: str
    channel: str
    priority: str
    team: str | None
    agent_id: str | None
    customer_id: str | None


@dataclass(frozen=True, slots=True)
class SlaSignal:
    kind: SignalKind
    conversation: ConversationRef
    clock: Clock
    # "warning:80%", "warning:2m before", "breach", "critical"; for STOPPED the highest level reached
    level: str
    policy: str  # name of the policy that set the deadline
    cycle: int  # which run of this clock (next reply and resolution run more than once per conversation)
    started_at: datetime
    due_at: datetime  # when this level was due (for STOPPED: when the clock stopped)
    fired_at: datetime  # event time in replay, wall time in live mode
    target_seconds: float
    elapsed_seconds: float  # counted (business, unpaused) seconds at fired_at


@dataclass(frozen=True, slots=True)
class ClockOutcome:
    conversation: ConversationRef
    clock: Clock
    policy: str
    started_at: datetime
    stopped_at: datetime
    elapsed_seconds: float  # counted (business, unpaused) seconds
    target_seconds: float
    critical_seconds: float

    @property
    def within_target(self) -> bool:
        return self.elapsed_seconds <= self.target_seconds
