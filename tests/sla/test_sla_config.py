"""The calendars and policies sections: shipped defaults, matching, and located errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from supportwatch.base.exceptions import ConfigError
from supportwatch.events.model import Channel
from supportwatch.sla import Clock, PolicySet

BASE = """\
policies:
  - name: all
    first_reply: {target: 1m, critical: 3m}
    next_reply: {target: 2m, critical: 5m}
    resolution: {target: 1h, critical: 2h}
"""

Parse = Callable[[str], PolicySet]


def test_shipped_first_reply_targets_per_channel(policies: PolicySet) -> None:
    expected = {"chat": (60, 180), "phone": (20, 120), "messaging": (1800, 7200), "social": (3600, 14400),
                "email": (4 * 3600, 24 * 3600)}
    for channel, (target, critical) in expected.items():
        first = policies.match(channel, "normal", None, None)[0]
        assert first.name == channel
        assert (first.clocks[Clock.FIRST_REPLY].target, first.clocks[Clock.FIRST_REPLY].critical) == (target, critical)
        assert first.calendar is None  # channel defaults are 24/7


def test_shipped_overrides_and_calendar(policies: PolicySet) -> None:
    first, _, resolution = policies.match("chat", "urgent", None, None)
    assert first.name == "chat-urgent"
    assert resolution.name == "chat"  # the override does not set resolution: the channel default does
    billing = policies.match("email", "normal", "billing", None)
    assert {p.name for p in billing} == {"email-billing"}
    assert billing[0].calendar is not None and billing[0].calendar.timezone == "Europe/Berlin"


def test_warnings_as_share_and_lead_time(policies: PolicySet) -> None:
    email = policies.get("email")
    assert email is not None
    levels = {lv.name: lv.seconds for lv in email.clocks[Clock.FIRST_REPLY].levels}
    assert levels == {"warning:50%": 7200, "warning:80%": 11520, "warning:15m before": 13500,
                      "breach": 14400, "critical": 86400}


def test_targets_are_the_union_of_limits(policies: PolicySet) -> None:
    targets = policies.targets(Clock.FIRST_REPLY)
    assert targets == sorted(set(targets))
    assert {20, 60, 120, 180, 1800, 3600, 4 * 3600, 24 * 3600} <= set(targets)


def test_most_specific_wins_and_ties_go_to_file_order(write_config: Parse) -> None:
    policies = write_config(BASE + """\
  - name: vip
    match: {customer_id: [cust-1, cust-2]}
    first_reply: {target: 10s, critical: 20s}
  - name: billing
    match: {team: billing}
    first_reply: {target: 30s, critical: 40s}
  - name: vip-billing-chat
    match: {customer_id: cust-1, team: billing, channel: chat}
    first_reply: {target: 5s, critical: 6s}
""")
    assert policies.match("chat", "normal", "billing", "cust-2")[0].name == "vip"  # tie: vip comes first
    assert policies.match("chat", "normal", "billing", "cust-1")[0].name == "vip-billing-chat"
    assert policies.match("email", "normal", "billing", "cust-1")[0].name == "vip"
    assert policies.match("email", "normal", None, None)[0].name == "all"


@pytest.mark.parametrize(
    ("extra", "line", "field", "message"),
    [
        ("    first_reply: {target: 1m, critical: 30s}\n", 7, "policies.1.first_reply.critical", "longer than"),
        ("    first_reply: {target: soon, critical: 3m}\n", 7, "policies.1.first_reply.target", "duration"),
        ("    first_reply:\n      target: 1m\n      critical: 3m\n      warnings: ['120%']\n", 10,
         "policies.1.first_reply.warnings.0", "before the target"),
        ("    first_reply:\n      target: 1m\n      critical: 3m\n      warnings: ['2m before']\n", 10,
         "policies.1.first_reply.warnings.0", "before the target"),
        ("    first_reply: {target: 1m, critical: 3m, pause_on: [solved]}\n", 7,
         "policies.1.first_reply.pause_on", "statuses"),
        ("    calendar: nowhere\n    first_reply: {target: 1m, critical: 3m}\n", 7, "policies.1.calendar",
         "unknown calendar"),
        ("    match: {channel: fax}\n    first_reply: {target: 1m, critical: 3m}\n", 7, "policies.1.match.channel",
         "unknown channel"),
        ("    first_reply: {target: 1m, critical: 3m, colour: red}\n", 7, "policies.1.first_reply.colour",
         "unknown field"),
    ],
)
def test_policy_errors_name_file_line_and_field(write_config: Parse, extra: str, line: int, field: str,
                                                message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        write_config(BASE + "  - name: broken\n" + extra)
    assert caught.value.path.endswith("policies.yaml")
    assert (caught.value.line, caught.value.field) == (line, field)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("calendar", "line", "field", "message"),
    [
        ("    timezone: Mars/Olympus\n    hours: {mon: ['09:00-17:00']}\n", 3, "calendars.office.timezone",
         "time zone"),
        ("    timezone: UTC\n    hours: {mon: ['17:00-09:00']}\n", 4, "calendars.office.hours.mon.0", "09:00-17:00"),
        ("    timezone: UTC\n    hours: {mon: ['9-5']}\n", 4, "calendars.office.hours.mon.0", "09:00-17:00"),
        ("    timezone: UTC\n    hours: {someday: ['09:00-17:00']}\n", 4, "calendars.office.hours.someday",
         "unknown field"),
        ("    timezone: UTC\n    hours: {mon: ['09:00-17:00']}\n    holidays: ['2026-13-01']\n", 5,
         "calendars.office.holidays.0", "ISO date"),
        ("    timezone: UTC\n    hours: {mon: []}\n", 4, "calendars.office.hours", "opening hours"),
    ],
)
def test_calendar_errors_name_file_line_and_field(write_config: Parse, calendar: str, line: int, field: str,
                                                  message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        write_config("calendars:\n  office:\n" + calendar + BASE)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert message in caught.value.message


def test_every_channel_needs_a_fallback(write_config: Parse) -> None:
    with pytest.raises(ConfigError) as caught:
        write_config("""\
policies:
  - name: chat
    match: {channel: chat}
    first_reply: {target: 1m, critical: 3m}
    next_reply: {target: 2m, critical: 5m}
    resolution: {target: 1h, critical: 2h}
  - name: phone-urgent
    match: {channel: phone, priority: urgent}
    first_reply: {target: 1m, critical: 3m}
""")
    assert caught.value.line == 1 and caught.value.field == "policies"
    assert "channel 'phone'" in caught.value.message


def test_duplicate_policy_names_are_refused(write_config: Parse) -> None:
    with pytest.raises(ConfigError) as caught:
        write_config(BASE + BASE.replace("policies:\n", ""))
    assert (caught.value.line, caught.value.field) == (6, "policies.1.name")


def test_a_calendar_policy_loads(write_config: Parse) -> None:
    policies = write_config("""\
calendars:
  office:
    timezone: America/New_York
    hours: {mon: ["09:00-12:00", "13:00-17:00"], fri: ["00:00-24:00"]}
    holidays: [2026-07-03, "2026-12-25"]
""" + BASE + """\
  - name: office-email
    match: {channel: email}
    calendar: office
    first_reply: {target: 4h, critical: 8h}
""")
    calendar = policies.calendars["office"]
    assert calendar.weekly[0] == ((9 * 3600, 12 * 3600), (13 * 3600, 17 * 3600))
    assert calendar.weekly[4] == ((0, 86400),)
    assert len(calendar.holidays) == 2
    assert policies.match(Channel.EMAIL.value, "low", None, None)[0].calendar is calendar
