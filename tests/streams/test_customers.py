"""The customers stage in faust's ``test_context()``: conversation facts keyed by customer change
the customer table, the conversations' alerts leave with the customer's context, and a fact the
stage cannot read is dead-lettered with the stage's name."""

from __future__ import annotations

import json

from supportwatch.customers.state import conversation_key
from supportwatch.streams.codec import decode_customer
from tests.streams.harness import Harness, raw_event


async def put_facts(harness: Harness, values: list[bytes], partition: int = 1) -> None:
    """Put facts to the customers agent and wait until the last one is applied to cust-1."""
    agent = harness.pipeline.app.agents["customers"]
    last = json.loads(values[-1])

    def applied() -> bool:
        stored = harness.pipeline.customers.get("cust-1")
        if stored is None:
            return False
        state = decode_customer(stored)[1]
        return any(c.key == conversation_key(last["v"]) and c.seq >= last["n"] for c in state.contacts)

    async with agent.test_context() as ctx:
        for value in values:
            await ctx.put(value, key=b"cust-1", partition=partition)
        await harness.wait_for("the facts applied", applied)


async def put_events(harness: Harness, values: list[bytes], key: bytes) -> None:
    """Put events to the conversations agent and wait until their facts are sent."""
    agent = harness.pipeline.app.agents["conversations"]
    before = len(facts(harness))
    async with agent.test_context() as ctx:
        for value in values:
            await ctx.put(value, key=key, partition=0)
        await harness.wait_for("the events' facts", lambda: len(facts(harness)) > before)


def facts(harness: Harness) -> list[bytes]:
    return harness.outputs.values(harness.settings.topics.customers)


async def test_a_customers_conversations_reach_the_alerts_topic_through_the_customer_stage(harness: Harness) -> None:
    chat = [raw_event(0, conversation="chat-1", customer_id="cust-1"),
            raw_event(100, "agent", conversation="chat-1", customer_id="cust-1"),
            raw_event(120, "solved", conversation="chat-1", customer_id="cust-1")]
    await put_events(harness, chat, key=b"chat-1")
    await harness.wait_for("three facts", lambda: len(facts(harness)) == 3)
    assert harness.alerts() == []  # they travel inside the facts
    sent = [json.loads(v) for v in facts(harness)]
    assert [f["n"] for f in sent] == [1, 2, 3] and sent[0]["o"] == 1 and sent[2]["r"] == 1
    kinds = [a["kind"] for a in sent[1]["al"]]  # the late reply: its levels passed in event time, then resolved
    assert "sla_breach" in kinds and kinds[-1] == "resolved"
    await put_facts(harness, facts(harness))
    call = [raw_event(600, conversation="call-1", customer_id="cust-1", channel="phone")]
    await put_events(harness, call, key=b"call-1")
    await put_facts(harness, facts(harness)[3:])
    repeat = [a for a in harness.alerts() if a["kind"] == "repeat_contact"]
    assert len(repeat) == 1 and repeat[0]["channel_switch"] is True and repeat[0]["from_channel"] == "chat"
    assert repeat[0]["customer"]["open_conversations"] == {"phone": 1}
    assert all(a["customer_id"] == "cust-1" and a["customer"] is not None for a in harness.alerts())
    partition, state = decode_customer(harness.pipeline.customers["cust-1"])
    assert partition == 1 and len(state.contacts) == 2 and state.contacts[0].recontacted
    assert harness.sample("supportwatch_repeat_contacts_total", channel="phone", from_channel="chat") == 1
    assert harness.sample("supportwatch_customer_resolutions_total", channel="chat", team="billing") == 1
    assert harness.sample("supportwatch_customer_recontacts_total", channel="chat", team="billing") == 1
    assert harness.sample("supportwatch_customers") == 1


async def test_a_redelivered_fact_changes_nothing(harness: Harness) -> None:
    await put_events(harness, [raw_event(0, conversation="chat-1", customer_id="cust-1")], key=b"chat-1")
    await put_facts(harness, facts(harness))
    before = harness.pipeline.customers["cust-1"]
    agent = harness.pipeline.app.agents["customers"]
    async with agent.test_context() as ctx:
        await ctx.put(facts(harness)[0], key=b"cust-1", partition=1)
        await ctx.put(b'{"c": "cust-1"}', key=b"cust-1", partition=1)
        await harness.wait_for("the dead letter", lambda: len(harness.letters()) == 1)
    assert harness.pipeline.customers["cust-1"] == before
    assert harness.sample("supportwatch_customer_contacts_total", channel="chat") == 1
    letter = harness.letters()[0]
    assert letter["stage"] == "customer" and letter["original_text"] == '{"c": "cust-1"}'
    assert harness.sample("supportwatch_stage_errors_total", stage="customer") == 1


async def test_customers_at_risk_are_rebuilt_from_the_table(harness: Harness) -> None:
    stage = harness.pipeline.customer_stage
    events = [raw_event(0, conversation="chat-1", customer_id="cust-1")]
    await put_events(harness, events, key=b"chat-1")
    harness.highwaters.offsets[0] = 1
    harness.clock.advance(400)  # past the chat's breach and critical
    await harness.pipeline.stage.fire_due()
    await put_facts(harness, facts(harness))
    assert harness.sample("supportwatch_at_risk_customers") == 0  # 2 points of 5, one conversation
    stored = dict(harness.pipeline.customers.items())
    assert stage.rebuild(stored.items(), {1}) == 1 and stage.rebuild(stored.items(), {2}) == 0
    assert harness.sample("supportwatch_customers") == 0


async def test_a_vip_customers_new_conversation_gets_its_tier_back_on_the_input(harness: Harness) -> None:
    await put_events(harness, [raw_event(0, conversation="chat-1", customer_id="cust-1", customer_tier="vip")],
                     key=b"chat-1")
    await put_events(harness, [raw_event(300, conversation="chat-2", customer_id="cust-1")], key=b"chat-2")
    await put_facts(harness, facts(harness))
    sent = harness.outputs.sent.get(harness.settings.topics.events, [])
    assert [(key, json.loads(value)["customer_tier"]) for key, value in sent] == [("chat-2", "vip")]
    assignment = json.loads(sent[0][1])
    assert assignment["type"] == "assignment" and assignment["event_id"] == "customer-tier:chat-2:vip"
