from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from supportwatch.alerts import (
    Alert,
    AlertKind,
    Severity,
    channel_degraded,
    channel_recovered,
    detractor_resolved,
    from_detractor,
    from_sla_signal,
)
from supportwatch.mood.signals import DetractorReason, DetractorSignal
from supportwatch.sla.signals import SignalKind
from tests.alerts.conftest import REF, T0, sla_signal

LINK = "https://helpdesk.example/conversations/{conversation_id}"


def test_sla_levels_share_the_clock_runs_id_and_map_to_kinds() -> None:
    warning = from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK)
    breach = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
    critical = from_sla_signal(sla_signal(SignalKind.CRITICAL, "critical"), LINK)
    assert warning.id == breach.id == critical.id
    assert [a.kind for a in (warning, breach, critical)] == [
        AlertKind.SLA_WARNING,
        AlertKind.SLA_BREACH,
        AlertKind.SLA_CRITICAL,
    ]
    severities = [a.severity for a in (warning, breach, critical)]
    assert severities == [Severity.WARNING, Severity.MAJOR, Severity.CRITICAL]
    assert breach.level == "breach" and warning.level == "warning:80%"
    assert breach.link == "https://helpdesk.example/conversations/conv-1"
    assert breach.summary.startswith("Breach: first reply on email conversation conv-1")
    assert (breach.team, breach.agent_id, breach.clock) == ("billing", "agent-7", "first_reply")
    assert breach.due_at == T0


def test_another_cycle_is_another_alert() -> None:
    first = from_sla_signal(sla_signal(SignalKind.BREACH, "breach", cycle=1), LINK)
    second = from_sla_signal(sla_signal(SignalKind.BREACH, "breach", cycle=2), LINK)
    assert first.id != second.id


@pytest.mark.parametrize(
    ("highest", "ends"),
    [
        ("warning:2m before", (AlertKind.SLA_WARNING,)),
        ("breach", (AlertKind.SLA_WARNING, AlertKind.SLA_BREACH)),
        ("critical", (AlertKind.SLA_WARNING, AlertKind.SLA_BREACH, AlertKind.SLA_CRITICAL)),
    ],
)
def test_stopped_signal_resolves_every_level_reached(highest: str, ends: tuple[AlertKind, ...]) -> None:
    resolved = from_sla_signal(sla_signal(SignalKind.STOPPED, highest), LINK)
    assert resolved.kind is AlertKind.RESOLVED and resolved.level == "resolved"
    assert resolved.resolves == ends
    assert resolved.id == from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK).id


def test_detractor_levels_and_resolution() -> None:
    signal = DetractorSignal(DetractorReason.NPS, "NPS 3", T0, -0.5)
    alert = from_detractor(REF, signal, LINK)
    again = from_detractor(REF, signal, LINK)
    again_later = DetractorSignal(DetractorReason.NPS, "NPS 2", T0 + timedelta(hours=1), -0.6)
    later = from_detractor(REF, again_later, LINK)
    assert alert == again
    assert alert.id == later.id and alert.level != later.level
    assert alert.kind is AlertKind.DETRACTOR and "NPS 3" in alert.summary
    solved = detractor_resolved(REF, T0 + timedelta(hours=2), LINK)
    assert solved.id == alert.id and solved.resolves == (AlertKind.DETRACTOR,)


def test_channel_degradation_episode_and_recovery_share_an_id() -> None:
    degraded = channel_degraded("chat", 0.71, 0.9, T0, LINK)
    recovered = channel_recovered("chat", 0.93, 0.9, T0, T0 + timedelta(minutes=20), LINK)
    assert degraded.id == recovered.id
    assert degraded.link is None and degraded.conversation_id is None
    assert "71.0%" in degraded.summary and "goal 90.0%" in degraded.summary
    assert channel_degraded("chat", 0.71, 0.9, T0 + timedelta(days=1), LINK).id != degraded.id


def test_naive_times_and_resolving_resolved_are_rejected() -> None:
    alert = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
    with pytest.raises(ValidationError):
        alert.model_copy(update={}).model_validate({**alert.model_dump(), "fired_at": datetime(2026, 1, 1)})  # noqa: DTZ001
    with pytest.raises(ValidationError):
        Alert.model_validate({**alert.model_dump(), "resolves": ["resolved"]})


texts = st.text(min_size=1, max_size=30)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)  # noqa: DTZ001
)


@given(
    kind=st.sampled_from(list(AlertKind)),
    level=texts,
    channel=texts,
    team=st.none() | texts,
    agent=st.none() | texts,
    fired=times,
    due=st.none() | times,
    summary=st.text(max_size=200),
)
def test_json_round_trip(
    kind: AlertKind,
    level: str,
    channel: str,
    team: str | None,
    agent: str | None,
    fired: datetime,
    due: datetime | None,
    summary: str,
) -> None:
    alert = Alert(
        id="abc",
        kind=kind,
        level=level,
        severity=Severity.MAJOR,
        resolves=(AlertKind.SLA_BREACH,) if kind is AlertKind.RESOLVED else (),
        channel=channel,
        team=team,
        agent_id=agent,
        fired_at=fired,
        due_at=due,
        summary=summary,
    )
    assert Alert.from_json(alert.to_json()) == alert
