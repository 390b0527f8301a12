"""The ``calendars`` and ``policies`` sections of the configuration file, validated with errors
that name the file, line and field (through :class:`supportwatch.base.yamlfile.Lines`)."""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportwatch.base import yamlfile
from supportwatch.base.yamlfile import Lines
from supportwatch.events.model import Channel, Priority
from supportwatch.sla.calendar import BusinessCalendar, merge_intervals
from supportwatch.sla.durations import parse_duration, warning_seconds
from supportwatch.sla.policy import CLOCKS, MATCH_FIELDS, PAUSE_STATUSES, ClockPolicy, Level, Policy, PolicySet

# The shipped default, package data of supportwatch (read from the wheel as from a checkout).
DEFAULT_FILE = Path(str(resources.files("supportwatch") / "config" / "default.yaml"))
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_POLICY_KEYS = {"name", "match", "calendar", "count_bot_replies", *(c.value for c in CLOCKS)}
_CLOCK_KEYS = {"target", "critical", "warnings", "pause_on"}
_CALENDAR_KEYS = {"timezone", "hours", "holidays"}
_ALLOWED = {"channel": {c.value for c in Channel}, "priority": {p.value for p in Priority}}

Key = tuple[str | int, ...]


def load_policies(path: Path | None = None) -> PolicySet:
    """Read and validate a configuration file; ``None`` reads the shipped default."""
    data, lines = yamlfile.load(path or DEFAULT_FILE)
    return parse_policies(data, lines)


def parse_policies(data: Any, lines: Lines) -> PolicySet:
    """Validate the ``calendars`` and ``policies`` sections of a whole configuration document."""
    if not isinstance(data, dict):
        raise lines.error((), "the configuration file must be a mapping of sections")
    calendars = _parse_calendars(data.get("calendars") or {}, lines)
    raw = data.get("policies")
    if not isinstance(raw, list) or not raw:
        raise lines.error(("policies",), "must be a non-empty list of policies")
    policies: list[Policy] = []
    for i, item in enumerate(raw):
        policy = _parse_policy(item, ("policies", i), calendars, lines)
        if any(p.name == policy.name for p in policies):
            raise lines.error(("policies", i, "name"), f"duplicate policy name {policy.name!r}")
        policies.append(policy)
    _check_fallbacks(policies, lines)
    return PolicySet(policies, calendars)


def _mapping(value: Any, key: Key, lines: Lines, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise lines.error(key, "must be a mapping")
    for name in value:
        if str(name) not in allowed:
            expected = ", ".join(sorted(allowed))
            raise lines.error((*key, str(name)), f"unknown field (expected one of {expected})")
    return value


def _parse_calendars(raw: Any, lines: Lines) -> dict[str, BusinessCalendar]:
    if not isinstance(raw, dict):
        raise lines.error(("calendars",), "must be a mapping of calendar names to calendars")
    calendars: dict[str, BusinessCalendar] = {}
    for name, body in raw.items():
        key: Key = ("calendars", str(name))
        spec = _mapping(body, key, lines, _CALENDAR_KEYS)
        tz = spec.get("timezone")
        try:
            if not isinstance(tz, str):
                raise ZoneInfoNotFoundError
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise lines.error((*key, "timezone"), f"unknown time zone {tz!r}") from None
        weekly = _parse_hours(spec.get("hours"), (*key, "hours"), lines)
        holidays = _parse_holidays(spec.get("holidays") or [], (*key, "holidays"), lines)
        calendars[str(name)] = BusinessCalendar(str(name), tz, weekly, holidays)
    return calendars


def _parse_hours(raw: Any, key: Key, lines: Lines) -> tuple[tuple[tuple[int, int], ...], ...]:
    spec = _mapping(raw, key, lines, set(WEEKDAYS))
    weekly: list[tuple[tuple[int, int], ...]] = []
    for day in WEEKDAYS:
        ranges = spec.get(day) or []
        if not isinstance(ranges, list):
            raise lines.error((*key, day), 'must be a list of "HH:MM-HH:MM" ranges')
        parsed = []
        for j, text in enumerate(ranges):
            match = _HOURS.fullmatch(str(text).strip())
            start = end = -1
            if match:
                h1, m1, h2, m2 = (int(g) for g in match.groups())
                if m1 < 60 and m2 < 60:
                    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
            if not 0 <= start < end <= 86400:
                message = f'expected a range like "09:00-17:00" within a day, got {text!r}'
                raise lines.error((*key, day, j), message)
            parsed.append((start, end))
        weekly.append(merge_intervals(parsed))
    if not any(weekly):
        raise lines.error(key, "a calendar needs some opening hours")
    return tuple(weekly)


def _parse_holidays(raw: Any, key: Key, lines: Lines) -> frozenset[date]:
    if not isinstance(raw, list):
        raise lines.error(key, "must be a list of ISO dates (YYYY-MM-DD)")
    days = set()
    for j, value in enumerate(raw):
        if isinstance(value, date):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            raise lines.error((*key, j), f"expected an ISO date (YYYY-MM-DD), got {value!r}") from None
    return frozenset(days)


def _parse_policy(raw: Any, key: Key, calendars: dict[str, BusinessCalendar], lines: Lines) -> Policy:
    spec = _mapping(raw, key, lines, _POLICY_KEYS)
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise lines.error((*key, "name"), "every policy needs a name")
    match = _parse_match(spec.get("match") or {}, (*key, "match"), lines)
    calendar = None
    if spec.get("calendar") is not None:
        calendar = calendars.get(str(spec["calendar"]))
        if calendar is None:
            raise lines.error((*key, "calendar"), f"unknown calendar {spec['calendar']!r}")
    bots = spec.get("count_bot_replies", False)
    if not isinstance(bots, bool):
        raise lines.error((*key, "count_bot_replies"), "must be true or false")
    clocks = {
        clock: _parse_clock(spec[clock.value], (*key, clock.value), lines)
        for clock in CLOCKS
        if clock.value in spec
    }
    if not clocks:
        raise lines.error(key, "a policy must set at least one of first_reply, next_reply, resolution")
    return Policy(name, match, clocks, calendar, bots)


def _parse_match(raw: Any, key: Key, lines: Lines) -> dict[str, frozenset[str]]:
    spec = _mapping(raw, key, lines, set(MATCH_FIELDS))
    match: dict[str, frozenset[str]] = {}
    for field, value in spec.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            raise lines.error((*key, field), "must be a value or a non-empty list of values")
        allowed = _ALLOWED.get(field)
        if allowed is not None:
            wrong = [v for v in values if v not in allowed]
            if wrong:
                choices = ", ".join(sorted(allowed))
                raise lines.error((*key, field), f"unknown {field} {wrong[0]!r} (one of {choices})")
        match[field] = frozenset(values)
    return match


def _parse_clock(raw: Any, key: Key, lines: Lines) -> ClockPolicy:
    spec = _mapping(raw, key, lines, _CLOCK_KEYS)
    durations = {}
    for field in ("target", "critical"):
        if field not in spec:
            raise lines.error((*key,), f"missing {field}")
        try:
            durations[field] = parse_duration(spec[field])
        except ValueError as exc:
            raise lines.error((*key, field), str(exc)) from None
    target, critical = durations["target"], durations["critical"]
    if critical <= target:
        raise lines.error((*key, "critical"), "the critical limit must be longer than the target")
    raw_warnings = spec.get("warnings") or []
    if not isinstance(raw_warnings, list):
        raise lines.error((*key, "warnings"), "must be a list like ['50%', '2m before']")
    warnings: list[Level] = []
    for j, text in enumerate(raw_warnings):
        try:
            seconds = warning_seconds(text, target)
        except ValueError as exc:
            raise lines.error((*key, "warnings", j), str(exc)) from None
        if not 0 < seconds < target:
            message = f"warning {text!r} must fall after the start, before the target"
            raise lines.error((*key, "warnings", j), message)
        name = f"warning:{str(text).strip()}"
        if any(w.name == name for w in warnings):
            raise lines.error((*key, "warnings", j), f"duplicate warning {text!r}")
        warnings.append(Level(name, seconds, 1))
    pause_on = spec.get("pause_on", sorted(PAUSE_STATUSES))
    if not isinstance(pause_on, list) or not set(pause_on) <= PAUSE_STATUSES:
        raise lines.error((*key, "pause_on"), f"must be a list of statuses from {sorted(PAUSE_STATUSES)}")
    return ClockPolicy(target, critical, tuple(warnings), frozenset(pause_on))


def _check_fallbacks(policies: list[Policy], lines: Lines) -> None:
    """Every channel needs, for every clock, a policy that matches on nothing but the channel."""
    for channel in Channel:
        for clock in CLOCKS:
            if not any(clock in p.clocks and _channel_only(p, channel.value) for p in policies):
                raise lines.error(
                    ("policies",),
                    f"no fallback policy sets {clock.value} for channel {channel.value!r} "
                    "(one that matches on the channel alone)",
                )


def _channel_only(policy: Policy, channel: str) -> bool:
    return set(policy.match) <= {"channel"} and channel in policy.match.get("channel", {channel})
