"""The test kit does what the test packages rely on: events from a compact description, their wire
form, the SLA tests' numbered factory, and the worker's delivery from a runtime or bare settings."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from supportwatch.alerts import AlertMetrics, AlertSettings, Router, RoutingConfig
from supportwatch.events import EventLimits, decode_event
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings
from supportwatch.streams.delivery import build_delivery
from tests import kit
from tests.kit import T0, Events, ManualClock, event, event_factory, raw_event


def test_an_event_from_a_compact_description() -> None:
    customer = event(30, conversation="c-2", customer="cust-1", priority="urgent")
    assert (customer.event_id, customer.conversation_id) == ("c-2-30-customer", "c-2")
    assert customer.at == T0 + timedelta(seconds=30)
    assert (customer.author, customer.text, customer.team) == ("customer", kit.TEXT, "billing")
    assert customer.customer_id == "cust-1"
    assert customer.priority == "urgent" and customer.agent_id is None
    assert event(0, "solved").status == "solved"
    survey = event(60, "nps", score=3)
    assert survey.survey is not None and (survey.survey.kind, survey.survey.score) == ("nps", 3)
    assert event(0, "assignment", team="returns").type == "assignment"
    assert event(0, "customer", channel="phone", text=None).text is None


def test_a_shape_holds_a_packages_defaults_and_a_call_overrides_them() -> None:
    shape = Events(base=T0 + timedelta(hours=1), channel="email", team=None, agent="a-1", text="hi")
    reply = shape(5, "agent", "m-1")
    assert (reply.at, reply.channel, reply.team, reply.agent_id, reply.text) == (
        T0 + timedelta(hours=1, seconds=5), "email", None, "a-1", "hi")
    assert shape(5, "agent", "m-1", agent="a-2", channel="chat").agent_id == "a-2"
    at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert shape(at).at == at  # an absolute time is taken as it is


def test_the_wire_form_decodes_to_the_same_event() -> None:
    now = datetime.now(UTC).replace(microsecond=123456)
    key, value = raw_event(now, "agent", "c-7", event_id="c-7-1", agent="agent-7", text="On it.")
    assert key == "c-7"
    decoded = decode_event(value, EventLimits(), now + timedelta(minutes=1))
    assert decoded == event(now, "agent", "c-7", event_id="c-7-1", agent="agent-7", text="On it.")
    millis = json.loads(event.but(timespec="milliseconds").json(now))["occurred_at"]
    assert millis == now.isoformat(timespec="milliseconds")


def test_the_sla_factory_numbers_its_events() -> None:
    ev = event_factory("conv-9", channel="email")
    first, second, named = ev(0, "customer"), ev(10, "system", priority="urgent"), ev(20, "agent", event_id="x")
    assert [e.event_id for e in (first, second, named)] == ["conv-9-e1", "conv-9-e2", "x"]
    assert first.team is None and first.text == "..." and first.channel == "email"
    assert ev(30, "bot").event_id == "conv-9-e3"


def test_the_manual_clock_moves_by_hand() -> None:
    clock = ManualClock(T0)
    clock.advance(90)
    assert clock() == T0 + timedelta(seconds=90)


async def test_the_delivery_is_the_workers_from_a_runtime_or_from_settings() -> None:
    clock = ManualClock(T0)
    runtime = build_runtime(Settings(), now=clock)
    log = io.StringIO()
    delivery = kit.delivery(runtime, out=log)
    assert delivery._now is clock and delivery._metrics is runtime.alert_metrics
    router = Router(RoutingConfig.model_validate({"recipients": {}, "rules": []}), {})
    bare = kit.delivery(AlertSettings(log_sink=False), router=router)
    assert bare._router is router
    with pytest.raises(TypeError, match="router and metrics"):
        build_delivery(AlertSettings(), metrics=AlertMetrics(CollectorRegistry()))
    outputs = kit.CollectingOutputs()
    await outputs.send("alerts", "k", b"v")
    assert outputs.values("alerts") == [b"v"]
