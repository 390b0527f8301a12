"""Alert constructors: SLA signals, detractor signals, channel degradation and customer signals
(repeat contact, churn risk) become Alerts."""

from __future__ import annotations

from datetime import datetime

from supportwatch.alerts.model import (
    RESOLVED_LEVEL,
    SEVERITY_OF,
    Alert,
    AlertKind,
    CustomerContext,
    Severity,
    iso,
    render_link,
    stable_id,
)
from supportwatch.mood.signals import DetractorSignal
from supportwatch.sla.signals import ConversationRef, SignalKind, SlaSignal

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
        customer_id=ref.customer_id,
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
        customer_id=ref.customer_id,
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
        customer_id=ref.customer_id,
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


def repeat_contact(
    customer_id: str, conversation_id: str, channel: str, from_channel: str, gap_seconds: float, at: datetime,
    link_template: str, *, team: str | None, priority: str | None, customer: CustomerContext | None,
) -> Alert:
    """A customer opened a new conversation within the repeat window of their previous one: one
    alert per new conversation (a redelivered fact raises the same id and level)."""
    switch = from_channel != channel
    since = "while" if gap_seconds <= 0 else f"{_duration(gap_seconds)} after"
    previous = f"their {from_channel} conversation" + (" is still open" if gap_seconds <= 0 else "")
    return Alert(
        id=stable_id("repeat_contact", conversation_id),
        kind=AlertKind.REPEAT_CONTACT,
        level="channel_switch" if switch else "repeat_contact",
        severity=SEVERITY_OF[AlertKind.REPEAT_CONTACT],
        conversation_id=conversation_id,
        channel=channel,
        priority=priority,
        team=team,
        customer_id=customer_id,
        customer=customer,
        from_channel=from_channel,
        channel_switch=switch,
        fired_at=at,
        summary=(f"Repeat contact: customer {customer_id} on {channel} conversation {conversation_id}, "
                 f"{since} {previous}" + (" (channel switch)" if switch else "")),
        link=render_link(link_template, conversation_id, channel),
    )


def customer_at_risk(
    customer_id: str, episode: int, reasons: tuple[str, ...], points: float, at: datetime, link_template: str,
    *, conversation_id: str | None, channel: str, team: str | None, customer: CustomerContext | None,
) -> Alert:
    """A customer's churn-risk points reached the threshold: one alert per customer and episode."""
    return Alert(
        id=stable_id("customer_at_risk", customer_id, str(episode)),
        kind=AlertKind.CUSTOMER_AT_RISK,
        level="at_risk",
        severity=SEVERITY_OF[AlertKind.CUSTOMER_AT_RISK],
        conversation_id=conversation_id,
        channel=channel,
        team=team,
        customer_id=customer_id,
        customer=customer,
        reasons=reasons,
        fired_at=at,
        summary=f"Customer at risk: {customer_id} ({points:g} points in 30 d: {', '.join(reasons)})",
        link=render_link(link_template, conversation_id, channel),
    )


def customer_risk_resolved(
    customer_id: str, episode: int, at: datetime, link_template: str, *, channel: str,
    customer: CustomerContext | None,
) -> Alert:
    """The resolved update of a customer's risk episode: its points fell below the threshold."""
    return Alert(
        id=stable_id("customer_at_risk", customer_id, str(episode)),
        kind=AlertKind.RESOLVED,
        level=RESOLVED_LEVEL,
        severity=Severity.INFO,
        resolves=(AlertKind.CUSTOMER_AT_RISK,),
        channel=channel,
        customer_id=customer_id,
        customer=customer,
        fired_at=at,
        summary=f"Resolved: customer {customer_id} is no longer at risk",
        link=render_link(link_template, None, channel),
    )
