"""Each agent driven in-process with faust's ``test_context()``: ingest, track, deliver."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from alerts import Alert, AlertKind
from streams.track import TICK
from tests.streams.harness import T0, Harness


def raw_event(seconds: float, kind: str = "customer", conversation: str = "c-1", **extra: Any) -> bytes:
    body: dict[str, Any] = {
        "event_id": f"{conversation}-{seconds}-{kind}",
        "conversation_id": conversation,
        "occurred_at": (T0 + timedelta(seconds=seconds)).isoformat(),
        "channel": "chat",
        "team": "billing",
        "agent_id": "agent-7",
    }
    if kind in ("customer", "agent"):
        body |= {"type": "message", "author": kind, "text": extra.pop("text", "Hello, where is my parcel?")}
    else:
        body |= {"type": "status", "status": kind}
    return json.dumps(body | extra).encode()


async def test_ingest_dead_letters_invalid_events_and_classifies_customer_messages(harness: Harness) -> None:
    topics = harness.settings.topics
    agent = harness.pipeline.app.agents["ingest"]
    async with agent.test_context() as ctx:
        await ctx.put(b'{"event_id": "x", "channel": ', key=b"x")
        await ctx.put(raw_event(0, text="This is the worst service ever, I am furious!!"), key=b"c-1")
        await ctx.put(raw_event(5, "agent"), key=b"c-1")
        await processed(harness, topics.classified, 2)  # the batch window closes after the last put
    letters = [json.loads(v) for v in harness.outputs.values(topics.deadletter)]
    assert [letter["reason"] for letter in letters] == ["bad_json"]
    assert letters[0]["original_text"] == '{"event_id": "x", "channel": '
    assert harness.sample("supportwatch_invalid_events_total", reason="bad_json") == 1
    classified = [json.loads(v) for v in harness.outputs.values(topics.classified)]
    assert [c["event"]["author"] for c in classified] == ["customer", "agent"]
    assert classified[0]["sentiment"]["label"] == "negative" and classified[1]["sentiment"] is None
    assert harness.sample("supportwatch_events_total", channel="chat", type="message") == 2
    assert harness.sample("supportwatch_messages_classified_total", channel="chat", label="negative") == 1


async def processed(harness: Harness, topic: str, count: int, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(harness.outputs.values(topic)) < count and loop.time() < deadline:
        await asyncio.sleep(0.01)


def classified(raw: bytes) -> bytes:
    return json.dumps({"event": json.loads(raw), "sentiment": None}).encode()


async def test_track_keeps_state_fires_due_deadlines_by_tick_and_resolves(harness: Harness) -> None:
    pipeline = harness.pipeline
    topics = harness.settings.topics
    async with pipeline.app.agents["track"].test_context() as ctx:
        await ctx.put(classified(raw_event(0)), key=b"c-1")
        assert pipeline.conversations["c-1"]["r"]["s"]["id"] == "c-1"
        assert pipeline.track.due_now() == []
        harness.clock.advance(150)  # past the chat first-reply target (1 min), before critical (3 min)
        assert pipeline.track.due_now() == ["c-1"]
        await ctx.put(TICK, key=b"c-1")
        alerts = [Alert.from_json(v) for v in harness.outputs.values(topics.alerts)]
        assert {a.kind for a in alerts} == {AlertKind.SLA_WARNING, AlertKind.SLA_BREACH}
        await ctx.put(classified(raw_event(160, "agent")), key=b"c-1")
    alerts = [Alert.from_json(v) for v in harness.outputs.values(topics.alerts)]
    assert alerts[-1].kind is AlertKind.RESOLVED
    assert harness.sample("supportwatch_sla_breaches_total", channel="chat", priority="normal",
                          clock="first_reply", team="billing") == 1
    assert harness.sample("supportwatch_first_reply_seconds_count", channel="chat", priority="normal") == 1


async def test_track_rebuilds_the_deadline_index_from_the_table(harness: Harness) -> None:
    pipeline = harness.pipeline
    async with pipeline.app.agents["track"].test_context() as ctx:
        await ctx.put(classified(raw_event(0, conversation="c-2")), key=b"c-2")
    stored = dict(pipeline.conversations.items())
    harness.clock.advance(90)
    assert pipeline.track.rebuild(stored.items(), partitions=None) == 1
    assert pipeline.track.due_now() == ["c-2"]
    assert pipeline.track.rebuild(stored.items(), partitions={99}) == 0


async def test_deliver_routes_dedups_in_redis_and_prints_each_alert_once(harness: Harness) -> None:
    topics = harness.settings.topics
    pipeline = harness.pipeline
    async with pipeline.app.agents["track"].test_context() as ctx:
        await ctx.put(classified(raw_event(0, conversation="c-3")), key=b"c-3")
        harness.clock.advance(200)
        await ctx.put(TICK, key=b"c-3")
    alerts = harness.outputs.values(topics.alerts)
    assert alerts
    async with pipeline.app.agents["deliver"].test_context() as ctx:
        for value in alerts + alerts:  # every alert twice: delivered once
            await ctx.put(value, key=b"c-3")
    delivery = pipeline.deliver_stage()._delivery
    while await delivery.run_once():
        pass
    lines = [line for line in harness.log.getvalue().splitlines() if line.strip()]
    assert lines and all("c-3" in line for line in lines)
    assert len(lines) == len(set(lines))
    for kind in ("sla_warning", "sla_breach", "sla_critical"):
        assert any(f" {kind} " in line for line in lines), kind
