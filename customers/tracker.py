"""The customer core: apply a conversation's fact to its customer and say what follows.

Pure: no faust, no I/O; event time (the facts' ``at``) drives every window. The customers agent
and ``supportwatch replay`` both drive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from supportwatch.alerts import Alert, AlertKind
from supportwatch.alerts.build import customer_at_risk, customer_risk_resolved, repeat_contact
from supportwatch.alerts.model import CustomerContext
from supportwatch.customers.facts import ConversationFact
from supportwatch.customers.rules import DAY, CustomerRules, RiskReason
from supportwatch.customers.state import Contact, Counted, CustomerState, conversation_key

_COUNTED_BY_KIND = {AlertKind.SLA_BREACH: Counted.BREACHES, AlertKind.SLA_CRITICAL: Counted.CRITICALS,
                    AlertKind.DETRACTOR: Counted.DETRACTORS}
_COUNTED_BY_REASON = {
    RiskReason.BREACHES: Counted.BREACHES, RiskReason.CRITICALS: Counted.CRITICALS,
    RiskReason.DETRACTORS: Counted.DETRACTORS, RiskReason.REPEAT_CONTACTS: Counted.REPEAT_CONTACTS,
    RiskReason.LOW_SURVEYS: Counted.LOW_SURVEYS,
}


@dataclass(frozen=True, slots=True)
class RepeatContact:
    conversation_id: str
    channel: str
    from_channel: str
    gap_seconds: float  # since the previous conversation's latest activity (0: it is still open)

    @property
    def channel_switch(self) -> bool:
        return self.channel != self.from_channel


@dataclass(frozen=True, slots=True)
class Resolved:
    """A resolution of the customer, counted as first contact when it happened (channel, team)."""

    channel: str
    team: str | None


@dataclass(slots=True)
class CustomerStep:
    state: CustomerState
    duplicate: bool = False  # a fact applied before, or overtaken by a later one: only its alerts go out
    contact: str | None = None  # the channel of a new conversation
    repeat: RepeatContact | None = None
    resolution: Resolved | None = None
    recontacts: list[Resolved] = field(default_factory=list)  # resolutions that turn out not first contact
    alerts: list[Alert] = field(default_factory=list)  # the fact's alerts with context, then the customer's
    tier: str | None = None  # a new conversation whose events name no tier: the customer's remembered one


def _for_customer(alert: Alert, customer_id: str, context: CustomerContext) -> Alert:
    """A conversation's alert as the customer stage sends it: with the customer and its context."""
    return alert.model_copy(update={"customer_id": customer_id, "customer": context})


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class CustomerTracker:
    def __init__(self, rules: CustomerRules, link_template: str) -> None:
        self.rules = rules
        self._link = link_template

    def apply(self, state: CustomerState | None, fact: ConversationFact) -> CustomerStep:
        if state is None:
            state = CustomerState(fact.customer_id)
        key = conversation_key(fact.conversation_id)
        contact = state.contact(key)
        at = float(round(fact.at))
        if contact is not None and fact.seq <= contact.seq:
            return self._seen(state, fact, at)
        step = CustomerStep(state)
        if fact.tier is not None:
            state.tier = fact.tier
        state.prune(at - self.rules.horizon)
        if contact is None:
            contact = Contact(key, fact.channel, fact.team, opened=at, last=at, seq=fact.seq)
            if fact.opened:
                self._new_contact(state, contact, fact, at, step)
                if fact.tier is None and state.tier is not None:
                    step.tier = state.tier
            state.add_contact(contact)
        elif contact.pending_from is not None:
            step.repeat = RepeatContact(fact.conversation_id, contact.channel, contact.pending_from, 0.0)
            contact.pending_from = None
        contact.seq, contact.last = fact.seq, max(contact.last, at)
        contact.channel, contact.team = fact.channel, fact.team or contact.team
        contact.is_open = fact.is_open
        if fact.mood is not None:
            state.mood, state.mood_channel, state.mood_at = fact.mood, fact.channel, at
        counted_any = False  # a churn-risk reason was recorded
        if fact.survey is not None:
            kind, score = fact.survey
            state.surveys = [*state.surveys, (kind, score, at)][-3:]
            if self.rules.at_risk.low_survey.is_low(kind, score):
                counted_any = True
                state.record(Counted.LOW_SURVEYS, at)
        if fact.resolved and contact.resolved is None:
            contact.resolved = at
            step.resolution = Resolved(contact.channel, contact.team)
            if any(0 < c.opened - at <= self.rules.fcr_window for c in state.contacts):  # its facts came late
                contact.recontacted = True
                step.recontacts.append(step.resolution)
        context: CustomerContext | None = None  # computed again only after the state changed
        for alert in fact.alerts:
            counted = _COUNTED_BY_KIND.get(alert.kind)
            if counted is not None:
                counted_any = True
                state.record(counted, at)
                context = None
            if context is None:
                context = self.context(state, at)
            step.alerts.append(_for_customer(alert, fact.customer_id, context))
        if step.repeat is not None:
            if context is None:
                context = self.context(state, at)
            repeat = step.repeat
            step.alerts.append(repeat_contact(
                fact.customer_id, fact.conversation_id, repeat.channel, repeat.from_channel, repeat.gap_seconds,
                _dt(at), self._link, team=fact.team, priority=fact.priority, customer=context))
        if state.risk or counted_any or fact.opened:  # else the points cannot have reached the threshold
            self._judge_risk(state, at, step, fact)
        return step

    def _seen(self, state: CustomerState, fact: ConversationFact, at: float) -> CustomerStep:
        """A fact whose sequence number was applied: a repeat (at-least-once) or one that a later
        fact overtook (a batch sent again after the broker refused it). The state stays as it is;
        the fact's alerts still go out, with the customer's context, so that none is lost: a repeat
        is deduplicated on delivery."""
        step = CustomerStep(state, duplicate=True)
        if fact.alerts:
            context = self.context(state, at)
            step.alerts = [_for_customer(alert, fact.customer_id, context) for alert in fact.alerts]
        return step

    def _new_contact(self, state: CustomerState, contact: Contact, fact: ConversationFact, at: float,
                     step: CustomerStep) -> None:
        """A new conversation: counted, compared with the previous one, and correcting the
        first-contact resolutions it follows within the FCR window."""
        step.contact = fact.channel
        state.record(Counted.CONTACTS, at)
        earlier = [c for c in state.contacts if c.opened <= at]
        if earlier:
            previous = max(earlier, key=lambda c: (c.last, c.opened))
            gap = 0.0 if previous.is_open else max(0.0, at - previous.last)
            if gap <= self.rules.repeat_window:
                contact.repeat = True
                step.repeat = RepeatContact(fact.conversation_id, fact.channel, previous.channel, gap)
                state.record(Counted.REPEAT_CONTACTS, at)
        later = [c for c in state.contacts if c.opened > at]
        if later:
            following = min(later, key=lambda c: c.opened)
            if not following.repeat and following.opened - at <= self.rules.repeat_window:
                following.repeat, following.pending_from = True, fact.channel
                state.record(Counted.REPEAT_CONTACTS, following.opened)
        for other in earlier:
            resolved = other.resolved
            if resolved is not None and not other.recontacted and 0 <= at - resolved <= self.rules.fcr_window:
                other.recontacted = True
                step.recontacts.append(Resolved(other.channel, other.team))

    def _judge_risk(self, state: CustomerState, at: float, step: CustomerStep, fact: ConversationFact | None) -> None:
        points, reasons = self.risk(state, at)
        rule = self.rules.at_risk
        if points >= rule.threshold and state.count(Counted.CONTACTS, at - rule.window) >= rule.min_contacts:
            if not state.risk:
                state.risk_episode += 1
                state.risk = reasons
                step.alerts.append(customer_at_risk(
                    state.customer_id, state.risk_episode, reasons, points, _dt(at), self._link,
                    conversation_id=fact.conversation_id if fact is not None else None,
                    channel=fact.channel if fact is not None else _latest_channel(state),
                    team=fact.team if fact is not None else None, customer=self.context(state, at)))
            state.risk = reasons
        elif state.risk:
            state.risk = ()
            step.alerts.append(customer_risk_resolved(
                state.customer_id, state.risk_episode, _dt(at), self._link, channel=_latest_channel(state),
                customer=self.context(state, at)))

    def reevaluate(self, state: CustomerState, now_ts: float) -> CustomerStep:
        """Judge the churn risk again at ``now_ts``: what put a customer at risk ages out of the window."""
        step = CustomerStep(state)
        state.prune(now_ts - self.rules.horizon)
        self._judge_risk(state, float(round(now_ts)), step, None)
        return step

    def risk(self, state: CustomerState, at: float) -> tuple[float, tuple[str, ...]]:
        """The churn-risk points within the rule's window, and the reasons that scored, largest first."""
        since = at - self.rules.at_risk.window
        scored: list[tuple[float, str]] = []
        for reason, weight in self.rules.at_risk.points.items():
            count = state.count(_COUNTED_BY_REASON[reason], since)
            if count and weight:
                scored.append((count * weight, reason.value))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return sum(points for points, _ in scored), tuple(reason for _, reason in scored)

    def context(self, state: CustomerState, at: float) -> CustomerContext:
        """What every alert of the customer says about them at event time ``at``."""
        opened: dict[str, int] = {}
        for contact in state.contacts:
            if contact.is_open:
                opened[contact.channel] = opened.get(contact.channel, 0) + 1
        month = at - 30 * DAY
        return CustomerContext(
            tier=state.tier, open_conversations=opened,
            contacts_24h=state.count(Counted.CONTACTS, at - DAY),
            contacts_7d=state.count(Counted.CONTACTS, at - 7 * DAY),
            contacts_30d=state.count(Counted.CONTACTS, month), breaches_30d=state.count(Counted.BREACHES, month),
            criticals_30d=state.count(Counted.CRITICALS, month), detractors_30d=state.count(Counted.DETRACTORS, month),
            mood=state.mood, mood_channel=state.mood_channel,
            mood_at=_dt(state.mood_at) if state.mood_at is not None else None, at_risk=bool(state.risk),
        )

    def describe(self, state: CustomerState, now: datetime) -> dict[str, Any]:
        """The customer's state as ``inspect --customer`` shows it (JSON-able)."""
        at = now.timestamp()
        points, reasons = self.risk(state, at)
        return {
            "customer_id": state.customer_id,
            "context": self.context(state, at).model_dump(mode="json"),
            "conversations": [
                {"key": c.key, "channel": c.channel, "team": c.team, "opened_at": _dt(c.opened).isoformat(),
                 "last_at": _dt(c.last).isoformat(), "open": c.is_open,
                 "resolved_at": _dt(c.resolved).isoformat() if c.resolved is not None else None,
                 "first_contact": None if c.resolved is None else not c.recontacted}
                for c in state.contacts
            ],
            "surveys": [{"kind": k, "score": s, "at": _dt(t).isoformat()} for k, s, t in state.surveys],
            "risk": {"points": points, "threshold": self.rules.at_risk.threshold, "reasons": list(reasons),
                     "at_risk": bool(state.risk), "episode": state.risk_episode},
        }


def _latest_channel(state: CustomerState) -> str:
    return max(state.contacts, key=lambda c: c.last).channel if state.contacts else "chat"
