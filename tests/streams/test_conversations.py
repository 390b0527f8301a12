"""The conversations stage in faust's ``test_context()``: one hop from a raw event to its
conversation, deadlines fired from the per-partition index, and the fire horizon."""

from __future__ import annotations

from supportwatch.alerts import Alert, AlertKind
from supportwatch.streams.codec import decode
from tests.streams.harness import Harness, raw_event


async def put_all(harness: Harness, values: list[bytes], key: bytes = b"c-1", partition: int = 0) -> None:
    agent = harness.pipeline.app.agents["conversations"]
    before = _seen(harness)
    async with agent.test_context() as ctx:
        for value in values:
            await ctx.put(value, key=key, partition=partition)
        await harness.wait_for(f"{len(values)} events", lambda: _seen(harness) >= before + len(values))


def _seen(harness: Harness) -> float:
    events = sum(harness.sample("supportwatch_events_total", channel="chat", type=t) for t in ("message", "status"))
    invalid = harness.sample("supportwatch_invalid_events_total", reason="bad_json")
    return events + invalid


async def test_an_event_is_validated_classified_and_applied_in_one_hop(harness: Harness) -> None:
    await put_all(harness, [
        b'{"event_id": "x", "channel": ',
        raw_event(0, text="This is the worst service ever, I am furious!!"),
        raw_event(5, "agent"),
    ])
    assert [letter["reason"] for letter in harness.letters()] == ["bad_json"]
    assert harness.letters()[0]["original_text"] == '{"event_id": "x", "channel": '
    assert harness.sample("supportwatch_invalid_events_total", reason="bad_json") == 1
    assert harness.sample("supportwatch_messages_classified_total", channel="chat", label="negative") == 1
    partition, record = decode(harness.pipeline.conversations["c-1"])
    assert partition == 0 and record.agent_replies == 1 and record.mood is not None
    assert harness.sample("supportwatch_first_reply_seconds_count", channel="chat", priority="normal") == 1


async def test_due_levels_fire_by_the_clock_once_the_partition_is_caught_up(harness: Harness) -> None:
    stage = harness.pipeline.stage
    await put_all(harness, [raw_event(0)])
    harness.highwaters.offsets[0] = 1  # the broker holds nothing more for partition 0
    assert await stage.fire_due() == 0
    harness.clock.advance(150)  # past the chat first-reply target (1 min), before critical (3 min)
    assert await stage.fire_due() == 1
    assert {a["kind"] for a in harness.alerts()} == {"sla_warning", "sla_breach"}
    assert await stage.fire_due() == 0  # each level once
    await put_all(harness, [raw_event(160, "agent")])
    assert harness.alerts()[-1]["kind"] == AlertKind.RESOLVED.value
    assert harness.sample("supportwatch_sla_breaches_total", channel="chat", priority="normal",
                          clock="first_reply", team="billing") == 1


async def test_a_deadline_waits_for_the_backlog_that_may_answer_it(harness: Harness) -> None:
    stage = harness.pipeline.stage
    await put_all(harness, [raw_event(0)])
    harness.highwaters.offsets[0] = 50  # 49 records of partition 0 are still to come
    harness.clock.advance(600)  # by the wall clock the breach and the critical are long due
    assert await stage.fire_due() == 0
    assert harness.alerts() == []
    # The backlog: the agent answered at 49.6 s; then later events move the partition's event time on.
    await put_all(harness, [raw_event(49.6, "agent"), raw_event(400, conversation="c-9")], key=b"c-1")
    await stage.fire_due()
    kinds = [a["kind"] for a in harness.alerts() if a["conversation_id"] == "c-1"]
    assert "sla_breach" not in kinds and "sla_critical" not in kinds


async def test_the_deadline_index_is_rebuilt_from_the_table(harness: Harness) -> None:
    pipeline = harness.pipeline
    await put_all(harness, [raw_event(0, conversation="c-2")], key=b"c-2")
    stored = dict(pipeline.conversations.items())
    assert pipeline.stage.rebuild(stored.items(), {0}) == 1
    assert pipeline.stage.pending_deadlines() == 1
    assert pipeline.stage.rebuild(stored.items(), {3}) == 0


async def test_many_events_of_one_conversation_in_a_batch_make_one_changelog_write(harness: Harness) -> None:
    table = harness.pipeline.conversations
    published: list[int] = []
    original = table.publish

    def counting(writes: dict[str, tuple[int, bytes | None]]) -> None:
        published.append(len(writes))
        original(writes)

    table.publish = counting
    await put_all(harness, [raw_event(i, "customer" if i % 2 else "agent") for i in range(40)])
    assert sum(published) <= len(published)  # one write per batch for the one conversation


async def test_deliver_routes_dedups_in_redis_and_prints_each_alert_once(harness: Harness) -> None:
    pipeline = harness.pipeline
    await put_all(harness, [raw_event(0, conversation="c-3", team="returns")], key=b"c-3")  # no quiet hours
    harness.highwaters.offsets[0] = 1
    harness.clock.advance(200)
    await pipeline.stage.fire_due()
    alerts = harness.outputs.values(harness.settings.topics.alerts)
    assert alerts
    async with pipeline.app.agents["deliver"].test_context() as ctx:
        for value in alerts + alerts:  # every alert twice: delivered once
            await ctx.put(value, key=b"c-3")
        notified = {(a.id, a.dedup_level) for a in map(Alert.from_json, alerts)}  # warnings of a run fold
        await harness.wait_for("the alerts submitted", lambda: _raised(harness) >= len(notified))
    delivery = pipeline.deliver_stage()._delivery
    for _ in range(100):
        if not await delivery.run_once():
            break
    lines = [line for line in harness.log.getvalue().splitlines() if line.strip()]
    assert lines and all("c-3" in line for line in lines)
    assert len(lines) == len(set(lines))
    for kind in ("sla_warning", "sla_breach", "sla_critical"):
        assert any(f" {kind} " in line for line in lines), kind


def _raised(harness: Harness) -> float:
    families = harness.pipeline.runtime.registry.collect()
    return sum(sample.value for family in families if family.name == "supportwatch_alerts_raised"
               for sample in family.samples if sample.name == "supportwatch_alerts_raised_total")
