"""Alert constructors: SLA signals, detractor signals and channel degradation become Alerts."""

from __future__ import annotations

from datetime import datetime

from alerts.model import (
    RESOLVED_LEVEL,
    SEVERITY_OF,
    Alert,
    AlertKind,
    Severity,
    iso,
    render_link,
    stable_id,
)
from mood.signals import DetractorSignal
from sla.signals import ConversationRef, SignalKind, SlaSignal

_KIND_OF_SIGNAL = {
    SignalKind.WARNING: AlertKind.SLA_WARNING,
    SignalKind.BREACH: AlertKind.SLA_BREACH,
    SignalKind.CRITICAL: AlertKind.SLA_CRITICAL,
}
_SLA_LADDER = (AlertKind.SLA_WARNING, AlertKind.SLA_BREACH, AlertKind.SLA_CRITICAL)


def _duration(seconds: float) -> str:
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _sla_resolves(highest_level: str) -> tuple[AlertKind, ...]:
    if highest_level.startswith("critical"):
        return _SLA_LADDER
    if highest_level.startswith("breach"):
        return _SLA_LADDER[:2]
    return _SLA_LADDER[:1]


def from_sla_signal(signal: SlaSignal, link_template: str) -> Alert:
    """The alert for one SLA signal; a STOPPED signal gives the resolved update of that clock run."""
    ref = signal.conversation
    clock = signal.clock.value
    alert_id = stable_id("sla", ref.conversation_id, clock, str(signal.cycle))
    where = f"{clock.replace('_', ' ')} on {ref.channel} conversation {ref.conversation_id} ({ref.priority})"
    counted = f"{_duration(signal.elapsed_seconds)} counted of {_duration(signal.target_seconds)} target"
    if signal.kind is SignalKind.STOPPED:
        kind = AlertKind.RESOLVED
        level = RESOLVED_LEVEL
        resolves = _sla_resolves(signal.level)
        summary = f"Resolved: {where} after {signal.level}, {counted}"
    else:
        kind = _KIND_OF_SIGNAL[signal.kind]
        level = signal.level
        resolves = ()
        label = {"sla_warning": "Warning", "sla_breach": "Breach", "sla_critical": "Critical"}[kind.value]
        summary = f"{label}: {where} due {iso(signal.due_at)}, {counted}"
    return Alert(
        id=alert_id,
        kind=kind,
        level=level,
        severity=SEVERITY_OF[kind],
        resolves=resolves,
        conversation_id=ref.conversation_id,
        channel=ref.channel,
        priority=ref.priority,
        team=ref.team,
        agent_id=ref.agent_id,
        clock=clock,
        due_at=signal.due_at,
        fired_at=signal.fired_at,
        summary=summary,
        link=render_link(link_template, ref.conversation_id, ref.channel),
    )


def from_detractor(ref: ConversationRef, signal: DetractorSignal, link_template: str) -> Alert:
    """One detractor alert per conversation; each signal (reason and time) is a level of it, so a replayed
    signal is deduplicated while the same reason firing again after the customer recovered is not."""
    return Alert(
        id=stable_id("detractor", ref.conversation_id),
        kind=AlertKind.DETRACTOR,
        level=f"detractor:{signal.reason.value}@{iso(signal.at)}",
        severity=SEVERITY_OF[AlertKind.DETRACTOR],
        conversation_id=ref.conversation_id,
        channel=ref.channel,
        priority=ref.priority,
        team=ref.team,
        agent_id=ref.agent_id,
        fired_at=signal.at,
        summary=(
            f"Detractor: customer on {ref.channel} conversation {ref.conversation_id} ({ref.priority}), "
            f"{signal.detail} (mood {signal.mood:+.2f})"
        ),
        link=render_link(link_template, ref.conversation_id, ref.channel),
    )


def detractor_resolved(ref: ConversationRef, at: datetime, link_template: str) -> Alert:
    """The resolved update of a conversation's detractor alert (the conversation was solved)."""
    return Alert(
        id=stable_id("detractor", ref.conversation_id),
        kind=AlertKind.RESOLVED,
        level=RESOLVED_LEVEL,
        severity=Severity.INFO,
        resolves=(AlertKind.DETRACTOR,),
        conversation_id=ref.conversation_id,
        channel=ref.channel,
        priority=ref.priority,
        team=ref.team,
        agent_id=ref.agent_id,
        fired_at=at,
        summary=f"Resolved: detractor on {ref.channel} conversation {ref.conversation_id} was solved",
        link=render_link(link_template, ref.conversation_id, ref.channel),
    )


def channel_degraded(
    channel: str, ratio: float, goal: float, at: datetime, link_template: str, since: datetime | None = None
) -> Alert:
    """A channel's within-target ratio fell below its goal; ``since`` (default ``at``) names the episode."""
    return Alert(
        id=stable_id("channel_degraded", channel, iso(since or at)),
        kind=AlertKind.CHANNEL_DEGRADED,
        level="degraded",
        severity=SEVERITY_OF[AlertKind.CHANNEL_DEGRADED],
        channel=channel,
        fired_at=at,
        summary=f"Channel {channel} degraded: {ratio:.1%} of responses within target, goal {goal:.1%}",
        link=render_link(link_template, None, channel),
    )


def channel_recovered(
    channel: str, ratio: float, goal: float, since: datetime, at: datetime, link_template: str
) -> Alert:
    """The resolved update of the degradation episode that started at ``since``."""
    return Alert(
        id=stable_id("channel_degraded", channel, iso(since)),
        kind=AlertKind.RESOLVED,
        level=RESOLVED_LEVEL,
        severity=Severity.INFO,
        resolves=(AlertKind.CHANNEL_DEGRADED,),
        channel=channel,
        fired_at=at,
        summary=f"Channel {channel} recovered: {ratio:.1%} of responses within target, goal {goal:.1%}",
        link=render_link(link_template, None, channel),
    )
