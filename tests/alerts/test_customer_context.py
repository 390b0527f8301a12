"""The customer's context on an alert reaches every sink: the Slack text, the webhook body,
Alertmanager annotations and the log line."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr

from supportwatch.alerts import from_sla_signal
from supportwatch.alerts.alertmanager import AlertmanagerSink
from supportwatch.alerts.build import customer_at_risk, repeat_contact
from supportwatch.alerts.model import CustomerContext
from supportwatch.alerts.sinks import LogSink, Notification
from supportwatch.alerts.webhook import SlackSink, WebhookSink
from supportwatch.sla.signals import SignalKind
from tests.alerts.conftest import T0, Receiver, sla_signal

CONTEXT = CustomerContext(tier="vip", open_conversations={"phone": 1}, contacts_7d=3, breaches_30d=1,
                          mood=-0.62, mood_channel="chat", mood_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
LINE = "vip; open: phone 1; 3 contacts in 7 d; 1 breach in 30 d; mood -0.62 on chat at 2026-03-02T09:00:00+00:00"


def breach() -> Notification:
    alert = from_sla_signal(sla_signal(SignalKind.BREACH, "breach"), "https://desk/{conversation_id}")
    return Notification(alert.model_copy(update={"customer_id": "cust-1", "customer": CONTEXT}), "lead:x", "lead")


def test_the_context_line_reads_as_a_lead_would_say_it() -> None:
    assert CONTEXT.line() == LINE
    assert CustomerContext().line() == "0 contacts in 7 d; 0 breaches in 30 d"


def test_alertmanager_annotations_carry_the_customer() -> None:
    sink = AlertmanagerSink(httpx.AsyncClient(), "http://am", now=lambda: T0)
    annotations = sink.payload(breach())[0]["annotations"]
    assert isinstance(annotations, dict)
    assert annotations["customer_id"] == "cust-1" and annotations["customer_summary"] == LINE
    repeat = repeat_contact("cust-1", "call-1", "phone", "chat", 600, T0, "https://desk/{conversation_id}",
                            team="returns", priority="normal", customer=CONTEXT)
    shown = sink.payload(Notification(repeat, "lead:x", "lead"))[0]
    assert shown["labels"]["alertname"] == "repeat_contact"  # type: ignore[index]
    assert shown["annotations"]["channel_switch"] == "chat -> phone"  # type: ignore[index]
    risk = customer_at_risk("cust-1", 1, ("criticals", "breaches"), 5, T0, "https://desk/{conversation_id}",
                            conversation_id="call-1", channel="phone", team=None, customer=CONTEXT)
    assert sink.payload(Notification(risk, "lead:x", "lead"))[0]["annotations"]["reasons"] == (  # type: ignore[index]
        "criticals, breaches")


async def test_slack_and_webhook_show_the_customer(receiver: Receiver) -> None:
    async with httpx.AsyncClient() as http:
        await SlackSink(http, SecretStr(receiver.url)).send(breach())
        await WebhookSink(http, SecretStr(receiver.url), None).send(breach())
    slack, hook = (json.loads(r.body) for r in receiver.requests)
    assert slack["text"].endswith(f"\n:bust_in_silhouette: customer cust-1: {LINE}")
    assert hook["alert"]["customer_id"] == "cust-1" and hook["alert"]["customer"]["contacts_7d"] == 3


async def test_the_log_line_ends_with_the_customer() -> None:
    out = io.StringIO()
    await LogSink(out, lambda: T0).send(breach())
    assert out.getvalue().endswith(f" [customer cust-1: {LINE}]\n")
