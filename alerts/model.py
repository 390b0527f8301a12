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
    RESOLVED = "resolved"


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
    AlertKind.RESOLVED: Severity.INFO,
}

FIRING_KINDS: tuple[AlertKind, ...] = tuple(k for k in AlertKind if k is not AlertKind.RESOLVED)

RESOLVED_LEVEL = "resolved"


def stable_id(*parts: str) -> str:
    """A short, stable id for the condition described by ``parts`` (same parts, same id)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:20]


class Alert(BaseModel):
    """An alert, or the ``resolved`` update that ends one.

    ``id`` names the condition (one SLA clock run, one conversation's detractor state, one channel
    degradation episode) and stays the same across its levels; ``(id, level)`` names one notification.
    A resolved update has ``kind=resolved``, the same id, ``level="resolved"`` and ``resolves``: the
    kinds it ends.
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
    clock: str | None = None
    due_at: AwareDatetime | None = None
    fired_at: AwareDatetime
    summary: str
    link: str | None = None

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
    def notification_key(self) -> str:
        """``id/level``: what deduplication counts once per recipient."""
        return f"{self.id}/{self.level}"

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
