"""The v1 event contract at the edge: valid events become typed records; everything else is
refused with a bounded reason and never raises anything but InvalidEvent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportwatch.events import (
    REASONS,
    Author,
    Channel,
    DeadLetter,
    Event,
    EventLimits,
    EventType,
    InvalidEvent,
    Priority,
    decode_event,
)

BASE = {
    "event_id": "e-1",
    "conversation_id": "c-1",
    "occurred_at": "2026-03-02T09:15:00+01:00",
    "channel": "chat",
    "type": "message",
    "author": "customer",
    "text": "Where is my order?",
}


def raw(**changes: object) -> bytes:
    body = {**BASE, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


LIMITS = EventLimits(max_text_bytes=1000)
NOW = datetime(2026, 3, 10, tzinfo=UTC)


def decode(data: bytes | str, limits: EventLimits = LIMITS) -> Event:
    return decode_event(data, limits, NOW)


def reason_of(data: bytes | str, limits: EventLimits = LIMITS) -> str:
    with pytest.raises(InvalidEvent) as caught:
        decode(data, limits)
    return caught.value.reason


def test_valid_message_is_typed_and_in_utc() -> None:
    event = decode(raw())
    assert event.channel is Channel.CHAT and event.type is EventType.MESSAGE and event.author is Author.CUSTOMER
    assert event.priority is Priority.NORMAL
    assert event.at == datetime(2026, 3, 2, 8, 15, tzinfo=UTC)
    assert event.is_customer_message


def test_unknown_extra_fields_are_kept() -> None:
    event = decode(raw(locale="de-DE", sla_tier={"gold": True}))
    assert event.model_extra == {"locale": "de-DE", "sla_tier": {"gold": True}}
    assert event.model_dump(mode="json")["locale"] == "de-DE"


def test_phone_messages_may_omit_text() -> None:
    event = decode(raw(channel="phone", text=None))
    assert event.text is None


def test_status_survey_and_assignment_events() -> None:
    status = decode(raw(type="status", author=None, text=None, status="on_hold"))
    assert status.status is not None and status.status.value == "on_hold"
    survey = decode(raw(type="survey", author=None, text=None, survey={"kind": "nps", "score": 3}))
    assert survey.survey is not None and survey.survey.score == 3
    assignment = decode(raw(type="assignment", author=None, text=None, agent_id="a-7", team="billing"))
    assert assignment.agent_id == "a-7" and assignment.team == "billing"


REFUSED = [
    (b"{not json", "bad_json"),
    (b"\xff\xfe{}", "bad_encoding"),
    (b"[1, 2]", "not_an_object"),
    (raw(conversation_id=None), "missing_field"),
    (raw(channel="fax"), "invalid_value"),
    (raw(type="call"), "invalid_value"),
    (raw(priority="whenever"), "invalid_value"),
    (raw(occurred_at="2026-03-02T09:15:00"), "naive_timestamp"),
    (raw(occurred_at="yesterday"), "invalid_value"),
    (raw(author=None), "invalid_value"),
    (raw(text=None), "invalid_value"),
    (raw(type="status", author=None, text=None), "invalid_value"),
    (raw(type="survey", author=None, text=None, survey={"kind": "csat", "score": 9}), "invalid_value"),
    (raw(type="survey", author=None, text=None, survey={"kind": "nps", "score": 11}), "invalid_value"),
    (raw(type="survey", author=None, text=None, survey={"kind": "ces", "score": 0}), "invalid_value"),
    (raw(text="x" * 1001), "text_too_large"),
    (raw(event_id=""), "invalid_value"),
    (b" " * 65_537, "too_large"),
    (raw(extra=[[[[[[[[[1]]]]]]]]]), "too_deep"),
    (raw(occurred_at="1999-12-31T23:59:59Z"), "implausible_time"),
    (raw(occurred_at=0), "invalid_value"),
    (raw(agent_id="a" * 257), "field_too_large"),
    (raw(notes="n" * 8200), "field_too_large"),
    (raw(team="billing\ud800"), "bad_encoding"),
]


@pytest.mark.parametrize(("data", "reason"), REFUSED)
def test_invalid_events_get_their_reason(data: bytes, reason: str) -> None:
    assert reason_of(data) == reason


def test_every_reason_has_a_case() -> None:
    assert {reason for _, reason in REFUSED} == set(REASONS)


def test_text_limit_counts_utf8_bytes() -> None:
    assert reason_of(raw(text="é" * 501)) == "text_too_large"
    assert decode(raw(text="é" * 500)).text == "é" * 500


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        decode(data, EventLimits(max_text_bytes=100))
    except InvalidEvent as exc:
        assert exc.reason in REASONS


@given(st.dictionaries(st.sampled_from(sorted(BASE) + ["survey", "status", "priority"]),
                       st.one_of(st.none(), st.text(max_size=20), st.integers(), st.booleans())))
def test_arbitrary_objects_never_crash(body: dict[str, object]) -> None:
    try:
        decode(json.dumps(body).encode(), EventLimits(max_text_bytes=100))
    except InvalidEvent as exc:
        assert exc.reason in REASONS


def test_dead_letter_keeps_the_original_bytes_and_reason() -> None:
    letter = DeadLetter(reason="bad_json", detail="Expecting value", original=b"\xff{oops",
                        received_at=datetime(2026, 1, 1, tzinfo=UTC), source_topic="in", partition=2, offset=41)
    body = json.loads(letter.to_json())
    assert body["reason"] == "bad_json" and body["partition"] == 2 and body["offset"] == 41
    assert body["original_text"] is None
    import base64

    assert base64.b64decode(body["original_base64"]) == b"\xff{oops"
