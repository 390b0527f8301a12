"""The one alert model for every kind, with its JSON form for the alerts topic."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator


class AlertKind(StrEnum):
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    SLA_CRITICAL = "sla_critical"
    DETRACTOR = "detractor"
    CHANNEL_DEGRADED = "channel_degraded"
    # The customer level (customers/): a customer back within the repeat window, and churn risk.
    REPEAT_CONTACT = "repeat_contact"
    CUSTOMER_AT_RISK = "customer_at_risk"
    RESOLVED = "resolved"
    # What a person did about an alert (the on-call API): recorded on the alerts topic and shown
    # to the recipients that were notified of it.
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    UNACKNOWLEDGED = "unacknowledged"
    # Several warnings to one recipient, delivered together (a recipient with ``digest`` in routing).
    DIGEST = "digest"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    MAJOR = "major"
    CRITICAL = "critical"


SEVERITY_OF: dict[AlertKind, Severity] = {
    AlertKind.SLA_WARNING: Severity.WARNING,
    AlertKind.SLA_BREACH: Severity.MAJOR,
    AlertKind.SLA_CRITICAL: Severity.CRITICAL,
    AlertKind.DETRACTOR: Severity.MAJOR,
    AlertKind.CHANNEL_DEGRADED: Severity.MAJOR,
    AlertKind.REPEAT_CONTACT: Severity.WARNING,
    AlertKind.CUSTOMER_AT_RISK: Severity.MAJOR,
    AlertKind.RESOLVED: Severity.INFO,
    AlertKind.ACKNOWLEDGED: Severity.INFO,
    AlertKind.SNOOZED: Severity.INFO,
    AlertKind.UNACKNOWLEDGED: Severity.INFO,
    AlertKind.DIGEST: Severity.WARNING,
}

ACTION_KINDS = frozenset({AlertKind.ACKNOWLEDGED, AlertKind.SNOOZED, AlertKind.UNACKNOWLEDGED})
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}


def severity_rank(severity: Severity) -> int:
    """info 0 < warning 1 < major 2 < critical 3: an ack or snooze at a rank quiets that rank and below."""
    return _RANK[severity]

RESOLVED_LEVEL = "resolved"


def stable_id(*parts: str) -> str:
    """A short, stable id for the condition described by ``parts`` (same parts, same id)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:20]


class Action(BaseModel):
    """Who acknowledged, snoozed or un-acknowledged an alert, when, and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    by: str
    at: AwareDatetime
    note: str | None = None
    until: AwareDatetime | None = None  # end of a snooze
    regarding: AlertKind  # the kind of the alert acted on (routes the action to its recipients)
    regarding_level: str


class CustomerContext(BaseModel):
    """What an alert says about the customer behind it: their other contacts, breaches and mood."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tier: str | None = None
    open_conversations: dict[str, int] = {}  # channel -> open conversations, this one included
    contacts_24h: int = 0
    contacts_7d: int = 0
    contacts_30d: int = 0
    breaches_30d: int = 0
    criticals_30d: int = 0
    detractors_30d: int = 0
    mood: float | None = None  # the latest mood of any of their conversations, -1..1
    mood_channel: str | None = None
    mood_at: AwareDatetime | None = None
    at_risk: bool = False

    def line(self) -> str:
        """One line for a notification: ``vip; open: chat 1, phone 1; 3 contacts in 7 d; ...``."""
        parts = [self.tier] if self.tier else []
        if self.open_conversations:
            parts.append("open: " + ", ".join(f"{ch} {n}" for ch, n in sorted(self.open_conversations.items())))
        parts.append(f"{self.contacts_7d} contact{'s' if self.contacts_7d != 1 else ''} in 7 d")
        parts.append(f"{self.breaches_30d} breach{'es' if self.breaches_30d != 1 else ''} in 30 d")
        if self.mood is not None:
            parts.append(f"mood {self.mood:+.2f} on {self.mood_channel}" + (
                f" at {iso(self.mood_at)}" if self.mood_at is not None else ""))
        if self.at_risk:
            parts.append("at risk")
        return "; ".join(parts)


class Alert(BaseModel):
    """An alert, or the ``resolved`` update that ends one.

    ``id`` names the condition (one SLA clock run, one conversation's detractor state, one channel
    degradation episode) and stays the same across its levels; ``(id, level)`` names one notification.
    A resolved update has ``kind=resolved``, the same id, ``level="resolved"`` and ``resolves``: the
    kinds it ends. An action (acknowledged, snoozed, unacknowledged) has the acted-on alert's id,
    its kind as ``level`` and ``action``: who, when, why.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: AlertKind
    level: str
    severity: Severity
    resolves: tuple[AlertKind, ...] = ()
    conversation_id: str | None = None
    channel: str
    priority: str | None = None
    team: str | None = None
    agent_id: str | None = None
    customer_id: str | None = None
    customer: CustomerContext | None = None  # set by the customer stage for an identified customer
    from_channel: str | None = None  # repeat_contact: the channel of the customer's previous conversation
    channel_switch: bool | None = None  # repeat_contact: on another channel than the previous one
    reasons: tuple[str, ...] = ()  # customer_at_risk: what put the customer at risk
    clock: str | None = None
    due_at: AwareDatetime | None = None
    fired_at: AwareDatetime
    summary: str
    link: str | None = None
    action: Action | None = None

    @field_validator("resolves")
    @classmethod
    def _resolves_firing_kinds(cls, value: tuple[AlertKind, ...]) -> tuple[AlertKind, ...]:
        if AlertKind.RESOLVED in value:
            raise ValueError("a resolved update ends firing kinds, not 'resolved'")
        return value

    @property
    def is_resolved(self) -> bool:
        return self.kind is AlertKind.RESOLVED

    @property
    def is_action(self) -> bool:
        return self.kind in ACTION_KINDS

    @property
    def dedup_level(self) -> str:
        """What one notification of this alert is deduplicated on, with its id and recipient: the
        level, except that every warning of one clock run counts as one (an agent hears of a clock
        run's warnings once: the 80% warning after the 50% one is folded) and that each action is a
        notification of its own (level and time)."""
        if self.action is not None:
            return f"{self.level}@{self.action.at.isoformat()}"
        if self.kind is AlertKind.SLA_WARNING:
            return "warning"
        return self.level

    def to_json(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes | str) -> Alert:
        return cls.model_validate_json(raw)


def render_link(template: str, conversation_id: str | None, channel: str) -> str | None:
    """Fill the helpdesk link template (``{conversation_id}``, ``{channel}``)."""
    if conversation_id is None and "{conversation_id}" in template:
        return None
    return template.format(conversation_id=conversation_id or "", channel=channel)


def iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
