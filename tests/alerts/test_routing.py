from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from supportwatch.alerts import AlertKind, Route, Router, RoutingError, from_detractor, from_sla_signal, parse_routing
from supportwatch.alerts.build import channel_degraded
from supportwatch.base.exceptions import ConfigError
from supportwatch.base.yamlfile import load
from supportwatch.mood.signals import DetractorReason, DetractorSignal
from supportwatch.sla.config import parse_policies
from supportwatch.sla.signals import ConversationRef, SignalKind
from tests.alerts.conftest import REF, ROUTING_YAML, T0, OfficeHours, load_yaml, sla_signal

LINK = "https://helpdesk.example/c/{conversation_id}"
NIGHT = T0.replace(hour=23)


@pytest.fixture
def router(tmp_path: Path) -> Router:
    data, lines = load_yaml(tmp_path, ROUTING_YAML)
    return Router(parse_routing(data["routing"], lines, {"office"}), {"office": OfficeHours()})


def pairs(routes: list[Route]) -> set[tuple[str, str]]:
    return {(r.recipient, r.sink) for r in routes}


def test_escalation_ladder(router: Router) -> None:
    warning = from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK)
    breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
    critical = from_sla_signal(sla_signal(SignalKind.CRITICAL, "critical"), LINK)
    assert pairs(router.route(warning, T0)) == {("agent:agent-7", "webhook"), ("agent:agent-7", "log")}
    assert pairs(router.route(breach, T0)) == {
        ("agent:agent-7", "webhook"),
        ("agent:agent-7", "log"),
        ("lead:billing-lead", "webhook"),
    }
    assert pairs(router.route(critical, T0)) == {("lead:billing-lead", "webhook"), ("supervisors", "webhook")}


def test_quiet_hours_spare_agents_at_night_but_leads_opt_in_for_critical(router: Router) -> None:
    breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
    critical = from_sla_signal(sla_signal(SignalKind.CRITICAL, "critical"), LINK)
    plan = router.plan(breach, NIGHT)
    assert plan.routes == ()
    assert {(s.role, s.reason) for s in plan.skipped} == {("agent", "quiet_hours"), ("lead", "quiet_hours")}
    expected = {("lead:billing-lead", "webhook"), ("supervisors", "webhook")}
    assert pairs(router.route(critical, NIGHT)) == expected


def test_team_without_calendar_is_reachable_around_the_clock_and_falls_back_to_default_lead(
    router: Router,
) -> None:
    ref = ConversationRef("c2", "chat", "normal", "tier1", "agent-1", None)
    breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach", ref=ref), LINK)
    assert pairs(router.route(breach, NIGHT)) == {
        ("agent:agent-1", "webhook"),
        ("agent:agent-1", "log"),
        ("lead:oncall", "webhook"),
    }


def test_unassigned_conversation_skips_the_agent(router: Router) -> None:
    ref = ConversationRef("c3", "chat", "normal", None, None, None)
    plan = router.plan(from_sla_signal(sla_signal(SignalKind.WARNING, "warning:50%", ref=ref), LINK), T0)
    assert plan.routes == () and {s.reason for s in plan.skipped} == {"no_recipient"}


def test_delayed_escalation_and_its_quiet_hours_at_due_time(router: Router) -> None:
    alert = from_detractor(REF, DetractorSignal(DetractorReason.NPS, "NPS 2", T0, -0.5), LINK)
    routes = router.route(alert, T0)
    assert {(r.recipient, r.delay_seconds) for r in routes} == {
        ("agent:agent-7", 0.0),
        ("lead:billing-lead", 600.0),
    }
    just_before_close = T0.replace(hour=16, minute=55)
    assert {r.recipient for r in router.route(alert, just_before_close)} == {"agent:agent-7"}


def test_resolved_goes_to_everyone_the_ended_kinds_route_to_at_any_hour(router: Router) -> None:
    resolved = from_sla_signal(sla_signal(SignalKind.STOPPED, "critical"), LINK)
    assert pairs(router.route(resolved, NIGHT)) == {
        ("agent:agent-7", "webhook"),
        ("agent:agent-7", "log"),
        ("lead:billing-lead", "webhook"),
        ("supervisors", "webhook"),
    }


def test_match_by_channel_priority_and_severity(tmp_path: Path) -> None:
    text = """\
routing:
  recipients:
    vip: {sinks: [slack]}
    desk: {sinks: [log]}
  rules:
    - match: {kind: [sla_breach, detractor], channel: email, priority: [urgent, high], severity: major}
      notify: [vip]
    - match: {}
      notify: [desk]
"""
    data, lines = load_yaml(tmp_path, text)
    router = Router(parse_routing(data["routing"], lines), {})
    breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
    assert pairs(router.route(breach, T0)) == {("vip", "slack")}
    low = ConversationRef("c4", "email", "low", None, None, None)
    low_breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach", ref=low), LINK)
    assert pairs(router.route(low_breach, T0)) == {("desk", "log")}
    assert pairs(router.route(channel_degraded("email", 0.5, 0.9, T0, LINK), T0)) == {("desk", "log")}


@pytest.mark.parametrize(
    ("snippet", "line", "field", "message"),
    [
        ("    - match: {kind: sla_oops}\n      notify: [agent]\n", 7, "routing.rules.0.match.kind.0", "sla_"),
        ("    - match: {}\n      notify: [nobody]\n", 8, "routing.rules.0.notify.0", "unknown recipient"),
        (
            "    - match: {}\n      notify: [{recipient: agent, after: soon}]\n",
            8,
            "routing.rules.0.notify.0.after",
            "soon",
        ),
        ("    - match: {}\n      notify: []\n", 8, "routing.rules.0.notify", "at least 1"),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, snippet: str, line: int, field: str, message: str
) -> None:
    text = (
        "routing:\n  teams:\n    billing: {calendar: office}\n  recipients:\n"
        "    agent: {target: assigned_agent, sinks: [log]}\n  rules:\n" + snippet
    )
    data, lines = load_yaml(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        parse_routing(data["routing"], lines)
    err = info.value
    assert (err.line, err.field) == (line, field) and message in err.message
    assert str(err).startswith(f"{tmp_path / 'config.yaml'}:{line}: {field}:")


def test_unknown_calendar_is_a_config_error_and_a_router_error(tmp_path: Path) -> None:
    data, lines = load_yaml(tmp_path, ROUTING_YAML)
    with pytest.raises(ConfigError) as info:
        parse_routing(data["routing"], lines, {"weekdays"})
    assert (info.value.line, info.value.field) == (4, "routing.teams.billing.calendar")
    with pytest.raises(RoutingError):
        Router(parse_routing(data["routing"], lines), {})


def test_shipped_default_config_routes_with_the_sla_calendars() -> None:
    path = Path(__file__).resolve().parents[2] / "supportwatch" / "config" / "default.yaml"
    data, lines = load(path)
    policies = parse_policies(data, lines)
    router = Router(parse_routing(data["routing"], lines, policies.calendars), policies.calendars)
    breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
    assert {r.role for r in router.route(breach, T0)} == {"agent", "lead"}
    saturday_night = T0 + timedelta(days=5, hours=13)
    critical = from_sla_signal(sla_signal(SignalKind.CRITICAL, "critical"), LINK)
    assert {r.role for r in router.route(critical, saturday_night)} == {"lead", "supervisors"}
    assert router.route(breach, saturday_night) == []
    assert AlertKind.SLA_CRITICAL in router.config.recipients["lead"].around_the_clock
