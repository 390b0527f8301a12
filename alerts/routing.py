"""Routing: which recipients, over which sinks, an alert goes to (config section ``routing``).

Rules are tried in order; the first whose ``match`` fits the alert names its recipients (each with an
optional ``after`` delay: re-escalation when nobody acts before then). Recipients are roles:
``assigned_agent`` (the conversation's agent), ``team_lead`` (the team's on-call lead) or ``fixed`` (a
named channel such as supervisors). A recipient with ``quiet_hours`` is only notified while its team's
calendar is open, except for the kinds listed in ``around_the_clock``. A recipient with ``digest: 5m``
gets its SLA warnings batched: the first starts a window, and one digest lists them all when it ends.
A resolved update goes to every recipient that the kinds it ends route to, at any hour, and an
on-call action (acknowledged, snoozed) to those of the kind it acts on (delivery then narrows both
to those who were actually notified).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from supportwatch.alerts.exceptions import RoutingError
from supportwatch.alerts.model import SEVERITY_OF, Alert, AlertKind, Severity
from supportwatch.base.yamlfile import Lines


class CalendarLike(Protocol):
    """What quiet hours need of a calendar (``sla.calendar.BusinessCalendar`` fits): open at unix time?"""

    def is_open(self, ts: float) -> bool: ...


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration_seconds(value: Any) -> Any:
    if isinstance(value, str):
        found = _DURATION.match(value)
        if found is None:
            raise ValueError(f"{value!r} is not a duration like 90s, 10m, 2h")
        return float(found.group(1)) * _UNIT_SECONDS[found.group(2) or "s"]
    return value


def _as_tuple(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


Seconds = Annotated[float, BeforeValidator(_duration_seconds), Field(ge=0)]


class Target(StrEnum):
    ASSIGNED_AGENT = "assigned_agent"
    TEAM_LEAD = "team_lead"
    FIXED = "fixed"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecipientSpec(_Frozen):
    target: Target = Target.FIXED
    sinks: Annotated[tuple[str, ...], BeforeValidator(_as_tuple), Field(min_length=1)]
    quiet_hours: bool = False
    around_the_clock: Annotated[tuple[AlertKind, ...], BeforeValidator(_as_tuple)] = ()
    digest: Annotated[float, BeforeValidator(_duration_seconds), Field(gt=0)] | None = None  # warnings batched


class TeamSpec(_Frozen):
    calendar: str | None = None
    lead: str | None = None


class Match(_Frozen):
    kind: Annotated[tuple[AlertKind, ...] | None, BeforeValidator(_as_tuple)] = None
    severity: Annotated[tuple[Severity, ...] | None, BeforeValidator(_as_tuple)] = None
    channel: Annotated[tuple[str, ...] | None, BeforeValidator(_as_tuple)] = None
    team: Annotated[tuple[str, ...] | None, BeforeValidator(_as_tuple)] = None
    priority: Annotated[tuple[str, ...] | None, BeforeValidator(_as_tuple)] = None

    def fits(self, kind: AlertKind, severity: Severity, alert: Alert) -> bool:
        checks: tuple[tuple[tuple[Any, ...] | None, Any], ...] = (
            (self.kind, kind),
            (self.severity, severity),
            (self.channel, alert.channel),
            (self.team, alert.team),
            (self.priority, alert.priority),
        )
        return all(allowed is None or value in allowed for allowed, value in checks)


class Notify(_Frozen):
    recipient: str
    after: Seconds = 0.0


def _notify_item(value: Any) -> Any:
    return {"recipient": value} if isinstance(value, str) else value


class Rule(_Frozen):
    match: Match = Match()
    notify: tuple[Annotated[Notify, BeforeValidator(_notify_item)], ...] = Field(min_length=1)


class RoutingConfig(_Frozen):
    default_calendar: str | None = None
    default_lead: str | None = None
    teams: dict[str, TeamSpec] = Field(default_factory=dict)
    recipients: dict[str, RecipientSpec]
    rules: tuple[Rule, ...]

    @property
    def sinks(self) -> frozenset[str]:
        return frozenset(sink for spec in self.recipients.values() for sink in spec.sinks)

    @property
    def calendars(self) -> frozenset[str]:
        names = {team.calendar for team in self.teams.values()} | {self.default_calendar}
        return frozenset(name for name in names if name is not None)


def parse_routing(section: Any, lines: Lines, calendars: Collection[str] | None = None) -> RoutingConfig:
    """Validate the ``routing`` section; errors name file, line and field. With ``calendars`` given,
    every calendar the section names must be one of them."""
    if not isinstance(section, Mapping):
        raise lines.error(("routing",), "must be a mapping with 'recipients' and 'rules'")
    try:
        config = RoutingConfig.model_validate(section)
    except ValidationError as exc:
        raise lines.pydantic_error(("routing",), exc) from exc
    for i, rule in enumerate(config.rules):
        for j, notify in enumerate(rule.notify):
            if notify.recipient not in config.recipients:
                raise lines.error(
                    ("routing", "rules", i, "notify", j), f"unknown recipient {notify.recipient!r}"
                )
    if calendars is not None:
        if config.default_calendar is not None and config.default_calendar not in calendars:
            name = config.default_calendar
            raise lines.error(("routing", "default_calendar"), f"unknown calendar {name!r}")
        for name, team in config.teams.items():
            if team.calendar is not None and team.calendar not in calendars:
                where = ("routing", "teams", name, "calendar")
                raise lines.error(where, f"unknown calendar {team.calendar!r}")
    return config


@dataclass(frozen=True, slots=True)
class Route:
    recipient: str  # "agent:<id>", "lead:<id>" or a fixed recipient's name
    sink: str
    role: str = ""  # the recipient entry of the routing section
    delay_seconds: float = 0.0
    digest_seconds: float = 0.0  # > 0: a warning waits for the recipient's next digest


@dataclass(frozen=True, slots=True)
class Skipped:
    role: str
    sink: str
    reason: str  # "quiet_hours" or "no_recipient"


@dataclass(frozen=True, slots=True)
class RoutePlan:
    routes: tuple[Route, ...]
    skipped: tuple[Skipped, ...]


class Router:
    def __init__(self, config: RoutingConfig, calendars: Mapping[str, CalendarLike]) -> None:
        missing = sorted(config.calendars - set(calendars))
        if missing:
            raise RoutingError(f"routing names calendars that are not defined: {', '.join(missing)}")
        self.config = config
        self._calendars = calendars

    def route(self, alert: Alert, now: datetime) -> list[Route]:
        return list(self.plan(alert, now).routes)

    def plan(self, alert: Alert, now: datetime) -> RoutePlan:
        if alert.is_resolved:
            return self._plan_following(alert, alert.resolves)
        if alert.action is not None:
            return self._plan_following(alert, (alert.action.regarding,))
        rule = self._rule_for(alert.kind, alert.severity, alert)
        routes: list[Route] = []
        skipped: list[Skipped] = []
        if rule is None:
            return RoutePlan((), ())
        for notify in rule.notify:
            spec = self.config.recipients[notify.recipient]
            recipient = self._recipient_id(notify.recipient, spec, alert)
            at = now + timedelta(seconds=notify.after)
            reason = None
            if recipient is None:
                reason = "no_recipient"
            elif spec.quiet_hours and alert.kind not in spec.around_the_clock and not self._open(alert, at):
                reason = "quiet_hours"
            for sink in spec.sinks:
                if reason is not None or recipient is None:
                    skipped.append(Skipped(notify.recipient, sink, reason or "no_recipient"))
                else:
                    digest = spec.digest if spec.digest and alert.kind is AlertKind.SLA_WARNING else 0.0
                    routes.append(Route(recipient, sink, notify.recipient, notify.after, digest))
        return RoutePlan(tuple(routes), tuple(skipped))

    def _plan_following(self, alert: Alert, kinds: tuple[AlertKind, ...]) -> RoutePlan:
        """Every recipient that ``kinds`` route to, at any hour: a resolved update or an on-call action
        (delivery narrows that to those who were actually notified)."""
        seen: dict[tuple[str, str], Route] = {}
        for kind in kinds:
            rule = self._rule_for(kind, SEVERITY_OF[kind], alert)
            if rule is None:
                continue
            for notify in rule.notify:
                spec = self.config.recipients[notify.recipient]
                recipient = self._recipient_id(notify.recipient, spec, alert)
                if recipient is None:
                    continue
                for sink in spec.sinks:
                    seen.setdefault((recipient, sink), Route(recipient, sink, notify.recipient))
        return RoutePlan(tuple(seen.values()), ())

    def _rule_for(self, kind: AlertKind, severity: Severity, alert: Alert) -> Rule | None:
        for rule in self.config.rules:
            if rule.match.fits(kind, severity, alert):
                return rule
        return None

    def _recipient_id(self, name: str, spec: RecipientSpec, alert: Alert) -> str | None:
        if spec.target is Target.ASSIGNED_AGENT:
            return f"agent:{alert.agent_id}" if alert.agent_id else None
        if spec.target is Target.TEAM_LEAD:
            team = self.config.teams.get(alert.team or "")
            lead = (team.lead if team else None) or self.config.default_lead or (alert.team or "default")
            return f"lead:{lead}"
        return name

    def _open(self, alert: Alert, at: datetime) -> bool:
        team = self.config.teams.get(alert.team or "")
        name = (team.calendar if team else None) or self.config.default_calendar
        return True if name is None else self._calendars[name].is_open(at.timestamp())
