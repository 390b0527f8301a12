"""The error policy: a record that makes a stage raise is dead-lettered with the stage's name and
counted, and the stage goes on with the next record. Each test makes one stage raise on one record."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

import pytest

import supportwatch.streams.conversations as conversations_module
from supportwatch.alerts import Alert
from supportwatch.events import Event
from supportwatch.models.protocol import Classifier, Sentiment
from supportwatch.streams.codec import decode
from supportwatch.tracking import ConversationRecord, Tracker, Update
from tests.streams.harness import Harness, raw_event
from tests.streams.test_conversations import put_all

BOOM = "boom"


class ExplodingClassifier:
    def __init__(self, inner: Classifier) -> None:
        self._inner = inner

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        if any(BOOM in text for text in texts):
            raise RuntimeError("the model cannot take this text")
        return self._inner.classify(texts)


class ExplodingTracker(Tracker):
    """The real tracker, raising on events that carry ``"boom": true`` and on ticks of ``tick_boom``."""

    def on_event(self, record: ConversationRecord | None, event: Event, sentiment: Sentiment | None) -> Update:
        if (event.model_extra or {}).get(BOOM):
            raise OverflowError("a bug of ours")
        return super().on_event(record, event, sentiment)

    def on_tick(self, record: ConversationRecord, now_ts: float) -> Update:
        if record.sla.conversation_id == "tick_boom":
            raise ValueError("a bug of ours in the tick path")
        return super().on_tick(record, now_ts)


def exploding_tracker(harness: Harness) -> None:
    tracker = harness.pipeline.runtime.tracker
    harness.pipeline.stage._tracker = ExplodingTracker(tracker._engine, tracker._mood, tracker._link)


def letters_of(harness: Harness, stage: str) -> list[dict[str, Any]]:
    return [letter for letter in harness.letters() if letter.get("stage") == stage]


async def test_classify_failure_dead_letters_a_copy_and_still_tracks_the_event(harness: Harness) -> None:
    inner = harness.pipeline.runtime.classifier()
    harness.pipeline.stage._classifier = lambda: ExplodingClassifier(inner)
    await put_all(harness, [raw_event(0, text=f"{BOOM} my parcel"), raw_event(1, text="Thanks, all good!")])
    [letter] = letters_of(harness, "classify")
    assert letter["reason"] == "stage_error" and "RuntimeError" in letter["detail"]
    assert BOOM in letter["original_text"]
    assert harness.sample("supportwatch_stage_errors_total", stage="classify") == 1
    assert harness.sample("supportwatch_messages_classified_total", channel="chat", label="positive") == 1
    assert decode(harness.pipeline.conversations["c-1"])[1].sla.core.first is not None  # tracked all the same


async def test_track_failure_dead_letters_the_event_and_keeps_the_others(harness: Harness) -> None:
    exploding_tracker(harness)
    await put_all(harness, [raw_event(0), raw_event(3, "agent", boom=True), raw_event(9, "agent")])
    [letter] = letters_of(harness, "track")
    assert letter["offset"] == 1 and "OverflowError" in letter["detail"]
    assert harness.sample("supportwatch_stage_errors_total", stage="track") == 1
    record = decode(harness.pipeline.conversations["c-1"])[1]
    assert record.agent_replies == 1  # the event before and the one after are applied, the bad one not
    assert harness.sample("supportwatch_first_reply_seconds_sum", channel="chat", priority="normal") == 9


async def test_store_failure_dead_letters_what_could_not_be_stored(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = conversations_module.encode

    def encode(partition: int, record: ConversationRecord) -> bytes:
        if record.sla.conversation_id == "c-bad":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        return real(partition, record)

    monkeypatch.setattr(conversations_module, "encode", encode)
    await put_all(harness, [raw_event(0, conversation="c-bad")], key=b"c-bad")
    await put_all(harness, [raw_event(0, conversation="c-good")], key=b"c-good")
    assert [letter["stage"] for letter in harness.letters()] == ["store"]
    assert "c-bad" not in harness.pipeline.conversations and "c-good" in harness.pipeline.conversations


async def test_tick_failure_is_counted_and_the_other_deadlines_still_fire(harness: Harness) -> None:
    exploding_tracker(harness)
    await put_all(harness, [raw_event(0, conversation="tick_boom"), raw_event(0, conversation="c-ok")],
                  key=b"tick_boom")
    harness.highwaters.offsets[0] = 2
    harness.clock.advance(100)
    assert await harness.pipeline.stage.fire_due() == 2
    assert harness.sample("supportwatch_stage_errors_total", stage="tick") == 1
    assert {a["conversation_id"] for a in harness.alerts()} == {"c-ok"}


async def test_emit_failure_dead_letters_the_alert(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Alert.to_json

    def to_json(self: Alert) -> bytes:
        if self.conversation_id == "c-bad":
            raise ValueError("Out of range float values are not JSON compliant")
        return real(self)

    monkeypatch.setattr(Alert, "to_json", to_json)
    await put_all(harness, [raw_event(0, conversation="c-bad"), raw_event(0, conversation="c-ok")], key=b"c-bad")
    harness.highwaters.offsets[0] = 2
    harness.clock.advance(100)
    await harness.pipeline.stage.fire_due()
    assert letters_of(harness, "emit") and harness.sample("supportwatch_stage_errors_total", stage="emit") >= 1
    assert {a["conversation_id"] for a in harness.alerts()} == {"c-ok"}


async def test_deliver_dead_letters_a_record_that_is_not_an_alert(harness: Harness) -> None:
    pipeline = harness.pipeline
    async with pipeline.app.agents["deliver"].test_context() as ctx:
        await ctx.put(b'{"not": "an alert"}', key=b"x")
        await harness.wait_for("the dead letter", lambda: letters_of(harness, "deliver"))
    [letter] = letters_of(harness, "deliver")
    assert letter["original_text"] == '{"not": "an alert"}' and letter["source_topic"] == "supportwatch.alerts"
    assert harness.sample("supportwatch_stage_errors_total", stage="deliver") == 1


async def test_a_batch_the_broker_refuses_waits_and_is_sent_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = harness.outputs
    real = outputs.send
    refusals = [ConnectionError("broker down")]

    async def send(topic: str, key: str, value: bytes) -> Awaitable[Any]:
        receipt = await real(topic, key, value)
        if not refusals:
            return receipt
        refused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        refused.set_exception(refusals.pop())  # handed to the producer, then not acknowledged
        return refused

    monkeypatch.setattr(outputs, "send", send)
    async with harness.pipeline.app.agents["conversations"].test_context() as ctx:
        await ctx.put(b"not json", key=b"c-1")
        await ctx.put(raw_event(0), key=b"c-1")
        await harness.wait_for("the batch sent again", lambda: len(harness.letters()) >= 2
                               and "c-1" in harness.pipeline.conversations)
    assert not refusals
    assert [letter["reason"] for letter in harness.letters()] == ["bad_json", "bad_json"]  # sent, then again
    assert "c-1" in harness.pipeline.conversations
