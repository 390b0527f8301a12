"""Acknowledge, snooze, un-acknowledge (alerts/oncall.py) with AlertDelivery, on the real Redis and a
local HTTP receiver; a manual clock drives the re-escalation delay and the snooze's end."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from supportwatch.alerts import (
    AlertKind,
    AlertMetrics,
    OnCall,
    UnknownAlert,
    from_sla_signal,
)
from supportwatch.alerts.alertmanager import AlertmanagerSink
from supportwatch.alerts.sinks import Notification
from supportwatch.sla.signals import SignalKind
from tests.alerts.conftest import REF, T0, Receiver, delivery_settings, routing_router, sla_signal
from tests.kit import ManualClock, delivery

LINK = "https://helpdesk.example/c/{conversation_id}"
# The breach pages the agent at once and re-escalates to the lead after 10 minutes.
ESCALATING = """\
routing:
  default_lead: oncall
  recipients:
    agent: {target: assigned_agent, sinks: [webhook]}
    lead: {target: team_lead, sinks: [webhook]}
    supervisors: {target: fixed, sinks: [webhook]}
  rules:
    - match: {kind: sla_warning}
      notify: [agent]
    - match: {kind: sla_breach}
      notify: [agent, {recipient: lead, after: 10m}]
    - match: {kind: sla_critical}
      notify: [lead, supervisors]
"""


class Desk:
    def __init__(self, prefix: str, receiver: Receiver, tmp_path: Path, redis: aioredis.Redis,
                 http: httpx.AsyncClient, routing: str = ESCALATING) -> None:
        self.clock = ManualClock(T0)
        self.registry = CollectorRegistry()
        settings = delivery_settings(prefix, receiver, log_sink=False)
        self.delivery = delivery(settings, router=routing_router(tmp_path, routing),
                                 metrics=AlertMetrics(self.registry), now=self.clock, redis=redis, http=http,
                                 rng=random.Random(3))
        self.oncall = OnCall(redis, settings, self.clock)

    async def drain(self) -> None:
        while await self.delivery.run_once():
            pass

    def outcome(self, kind: str, outcome: str) -> float | None:
        return self.registry.get_sample_value(
            "supportwatch_alerts_total", {"kind": kind, "sink": "webhook", "outcome": outcome})


@pytest.fixture
async def desk(prefix: str, receiver: Receiver, tmp_path: Path,
               redis_client: aioredis.Redis) -> AsyncIterator[Desk]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield Desk(prefix, receiver, tmp_path, redis_client, http)


def _recipients(receiver: Receiver, kind: str) -> list[str]:
    return sorted(r.json()["recipient"] for r in receiver.requests if r.json()["alert"]["kind"] == kind)


BREACH = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), LINK)
CRITICAL = from_sla_signal(sla_signal(SignalKind.CRITICAL, "critical"), LINK)
WARNING_50 = from_sla_signal(sla_signal(SignalKind.WARNING, "warning:50%"), LINK)
WARNING_80 = from_sla_signal(sla_signal(SignalKind.WARNING, "warning:80%"), LINK)


async def test_without_an_ack_the_breach_re_escalates_to_the_lead(desk: Desk, receiver: Receiver) -> None:
    await desk.delivery.submit(BREACH)
    await desk.drain()
    desk.clock.advance(11 * 60)
    await desk.drain()
    assert _recipients(receiver, "sla_breach") == ["agent:agent-7", "lead:oncall"]


async def test_ack_stops_the_re_escalation_while_a_higher_level_still_pages(desk: Desk, receiver: Receiver) -> None:
    await desk.delivery.submit(BREACH)
    await desk.drain()
    event = await desk.oncall.acknowledge(BREACH.id, "dana", "calling the customer")
    await desk.delivery.submit(event)  # the deliver agent submits the event from the alerts topic
    desk.clock.advance(11 * 60)
    await desk.drain()
    await desk.delivery.submit(BREACH)  # the breach again (a replay after a restart): still quiet
    await desk.delivery.submit(CRITICAL)
    await desk.drain()

    assert _recipients(receiver, "sla_breach") == ["agent:agent-7"]
    assert desk.outcome("sla_breach", "acknowledged") == 3.0  # the escalation; the repeat, to both
    assert _recipients(receiver, "sla_critical") == ["lead:oncall", "supervisors"]
    # The acknowledgement itself reached whoever had been paged, with who, when and why.
    acks = [r.json()["alert"] for r in receiver.requests if r.json()["alert"]["kind"] == "acknowledged"]
    assert [(a["action"]["by"], a["action"]["note"], a["action"]["regarding"]) for a in acks] == [
        ("dana", "calling the customer", "sla_breach")]
    assert _recipients(receiver, "acknowledged") == ["agent:agent-7"]
    assert event.summary.startswith("Acknowledged by dana (calling the customer):")
    history = await desk.oncall.history(BREACH.id)
    assert [(a.by, a.regarding_level) for a in history] == [("dana", "breach")]


async def test_unack_lets_the_level_page_again(desk: Desk, receiver: Receiver) -> None:
    await desk.delivery.submit(BREACH)
    await desk.drain()
    await desk.oncall.acknowledge(BREACH.id, "dana")
    assert (await desk.oncall.states([(BREACH.id, "conv-1")]))[BREACH.id].acknowledged_by == "dana"
    await desk.oncall.unacknowledge(BREACH.id, "dana", "wrong ticket")
    assert await desk.oncall.states([(BREACH.id, "conv-1")]) == {}
    desk.clock.advance(11 * 60)
    await desk.drain()
    assert _recipients(receiver, "sla_breach") == ["agent:agent-7", "lead:oncall"]


async def test_a_snooze_holds_the_conversation_back_until_it_expires(desk: Desk, receiver: Receiver) -> None:
    await desk.delivery.submit(WARNING_50)
    await desk.drain()
    await desk.oncall.snooze(WARNING_50.id, "dana", 15 * 60)
    snoozed = await desk.oncall.states([(WARNING_50.id, "conv-1")])
    assert snoozed[WARNING_50.id].snoozed_until == (T0 + timedelta(minutes=15)).isoformat()
    other_clock = from_sla_signal(sla_signal(SignalKind.WARNING, "warning:50%", cycle=2), LINK)
    await desk.delivery.submit(other_clock)  # same conversation, next clock run, same level: held
    await desk.delivery.submit(BREACH)  # a higher level: pages
    await desk.drain()
    assert desk.outcome("sla_warning", "snoozed") == 1.0
    assert _recipients(receiver, "sla_warning") == ["agent:agent-7"]
    assert _recipients(receiver, "sla_breach") == ["agent:agent-7"]

    desk.clock.advance(16 * 60)  # the snooze is over
    assert await desk.oncall.states([(WARNING_50.id, "conv-1")]) == {}
    later = from_sla_signal(sla_signal(SignalKind.WARNING, "warning:50%", cycle=3), LINK)
    await desk.delivery.submit(later)
    await desk.drain()
    assert _recipients(receiver, "sla_warning") == ["agent:agent-7", "agent:agent-7"]


async def test_warnings_of_one_clock_run_notify_once(desk: Desk, receiver: Receiver) -> None:
    await desk.delivery.submit_many([WARNING_50, WARNING_80])  # due together: folded into the 80%
    await desk.drain()
    await desk.delivery.submit(WARNING_80)
    await desk.drain()
    levels = [r.json()["alert"]["level"] for r in receiver.requests]
    assert levels == ["warning:80%"]


async def test_acting_on_an_unknown_alert_says_so(desk: Desk) -> None:
    with pytest.raises(UnknownAlert, match="no alert 'nope'"):
        await desk.oncall.acknowledge("nope", "dana")
    await desk.delivery.submit(BREACH)
    with pytest.raises(ValueError, match="a snooze lasts"):
        await desk.oncall.snooze(BREACH.id, "dana", 0)


async def test_alertmanager_shows_the_action_as_annotations_of_the_same_alert(desk: Desk) -> None:
    await desk.delivery.submit(BREACH)
    event = await desk.oncall.acknowledge(BREACH.id, "dana", "on it")
    sink = AlertmanagerSink(httpx.AsyncClient(), "http://127.0.0.1:9", now=desk.clock)
    fired = sink.payload(Notification(BREACH, "lead:oncall", "lead"))[0]
    acked = sink.payload(Notification(event, "lead:oncall", "lead"))[0]
    assert acked["labels"] == fired["labels"]  # the same Alertmanager alert, still firing
    assert acked["annotations"]["acknowledged_by"] == "dana"
    assert acked["annotations"]["action_note"] == "on it"
    assert acked["endsAt"] > acked["startsAt"]
    undone = await desk.oncall.unacknowledge(BREACH.id, "dana")
    cleared = sink.payload(Notification(undone, "lead:oncall", "lead"))[0]
    assert "acknowledged_by" not in cleared["annotations"]
    assert event.kind is AlertKind.ACKNOWLEDGED


DIGESTING = ESCALATING.replace("agent: {target: assigned_agent, sinks: [webhook]}",
                               "agent: {target: assigned_agent, sinks: [webhook], digest: 5m}")


async def test_a_recipient_with_a_digest_gets_its_warnings_in_one_notification(
    prefix: str, receiver: Receiver, tmp_path: Path, redis_client: aioredis.Redis
) -> None:
    async with httpx.AsyncClient(timeout=5.0) as http:
        desk = Desk(prefix, receiver, tmp_path, redis_client, http, DIGESTING)
        conversations = [sla_signal(SignalKind.WARNING, "warning:50%", ref=REF._replace(conversation_id=f"c-{n}"))
                         for n in range(3)]
        for signal in conversations:
            await desk.delivery.submit(from_sla_signal(signal, LINK))
        await desk.delivery.submit(BREACH)  # not a warning: at once
        await desk.drain()
        assert [r.json()["alert"]["kind"] for r in receiver.requests] == ["sla_breach"]
        assert desk.outcome("sla_warning", "digested") == 3.0

        desk.clock.advance(5 * 60)  # the window has ended
        await desk.drain()
        digests = [r.json() for r in receiver.requests if r.json()["alert"]["kind"] == "digest"]
        assert len(digests) == 1 and digests[0]["recipient"] == "agent:agent-7"
        assert digests[0]["alert"]["summary"].startswith("3 SLA warning(s): ")
        assert all(f"c-{n}" in digests[0]["alert"]["summary"] for n in range(3))
        desk.clock.advance(10 * 60)
        await desk.drain()
        assert len([r for r in receiver.requests if r.json()["alert"]["kind"] == "digest"]) == 1
