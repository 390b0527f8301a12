"""The bounds of the contract (events/limits.py): each limit at its edge, the inputs that used to
escape as ValueError/RecursionError or break later stages, strict types and the surrogate rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from supportwatch.events import REASONS, EventLimits, InvalidEvent, decode_event
from supportwatch.metrics import PipelineMetrics
from supportwatch.settings import Settings

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LIMITS = EventLimits()
BASE: dict[str, Any] = {
    "event_id": "e-1",
    "conversation_id": "c-1",
    "occurred_at": "2026-03-02T09:15:00+01:00",
    "channel": "chat",
    "type": "message",
    "author": "customer",
    "text": "Where is my order?",
}
SURVEY = {"type": "survey", "author": None, "text": None}


def body(**changes: Any) -> dict[str, Any]:
    return {k: v for k, v in {**BASE, **changes}.items() if v is not None}


def raw(**changes: Any) -> bytes:
    return json.dumps(body(**changes)).encode()


def with_tail(tail: str) -> bytes:
    """BASE with ``tail`` spliced in as raw JSON text (for what json.dumps cannot write)."""
    return json.dumps(BASE)[:-1].encode() + b", " + tail.encode() + b"}"


def reason_of(data: bytes | str, limits: EventLimits = LIMITS) -> str:
    with pytest.raises(InvalidEvent) as caught:
        decode_event(data, limits, NOW)
    assert caught.value.reason in REASONS
    return caught.value.reason


def accepted(data: bytes | str, limits: EventLimits = LIMITS) -> dict[str, Any]:
    event = decode_event(data, limits, NOW)
    json.dumps(event.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
    return json.loads(event.model_dump_json())  # type: ignore[no-any-return]


def test_defaults_are_the_documented_ones() -> None:
    assert LIMITS.model_dump() == {
        "max_event_bytes": 65_536, "max_text_bytes": 16_384, "max_id_bytes": 256,
        "earliest": datetime(2000, 1, 1, tzinfo=UTC), "max_future_seconds": 86_400.0,
        "max_extra_depth": 8, "max_extra_bytes": 8192,
    }  # fmt: skip


def test_settings_carry_the_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTWATCH_LIMITS__MAX_TEXT_BYTES", "2048")
    monkeypatch.setenv("SUPPORTWATCH_LIMITS__EARLIEST", "2010-01-01T00:00:00Z")
    limits = Settings().limits
    assert limits.max_text_bytes == 2048 and limits.earliest == datetime(2010, 1, 1, tzinfo=UTC)
    assert not hasattr(Settings(), "max_text_bytes")


def test_message_size_is_checked_before_parsing() -> None:
    small = EventLimits(max_event_bytes=1024)
    padded = raw(notes="n" * (1024 - len(raw(notes=""))))
    assert len(padded) == 1024 and accepted(padded, small)["notes"]
    assert reason_of(padded + b" ", small) == "too_large"
    assert reason_of(b"\xff" * 1025, small) == "too_large"
    assert reason_of(padded.decode() + " ", small) == "too_large"


def test_an_integer_of_4301_digits_is_bad_json_and_4300_are_kept() -> None:
    assert reason_of(with_tail('"n": ' + "7" * 4301)) == "bad_json"
    assert accepted(with_tail('"n": ' + "7" * 4300))["n"] == int("7" * 4300)


def test_nesting_1000_deep_is_too_deep_whatever_the_recursion_limit() -> None:
    assert reason_of(with_tail('"x": ' + "[" * 1000 + "]" * 1000)) == "too_deep"
    assert reason_of("[" * 1000 + "]" * 1000) == "too_deep"
    assert reason_of(with_tail('"x": ' + '{"a": ' * 1000 + "1" + "}" * 1000)) == "too_deep"


def test_nesting_limit_counts_levels_within_a_field() -> None:
    eight = "[" * 8 + "]" * 8
    assert accepted(with_tail(f'"x": {eight}'))["x"] == json.loads(eight)
    assert reason_of(with_tail(f'"x": [{eight}]')) == "too_deep"
    survey = {"kind": "nps", "score": 3, "x": json.loads(eight)}  # the survey object is a level too
    assert reason_of(json.dumps(body(**SURVEY, survey=survey)).encode()) == "too_deep"


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '[{"quoted \\" [[[[" ' + "[" * 50
    assert accepted(raw(text=text, note="{" * 30))["text"] == text


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        ('"x": -1e999', "invalid_value"),
        ('"x": 1e999', "invalid_value"),
        ('"x": NaN', "invalid_value"),
        ('"x": [Infinity]', "invalid_value"),
        ('"x": {"y": -Infinity}', "invalid_value"),
        ('"x": 1.5e308', "accepted"),
        ('"x": -0', "accepted"),
    ],
)
def test_only_finite_json_numbers(tail: str, reason: str) -> None:
    if reason == "accepted":
        accepted(with_tail(tail))
    else:
        assert reason_of(with_tail(tail)) == reason


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("0001-01-01T00:00:00+01:00", "implausible_time"),
        ("0001-01-01T00:00:00Z", "implausible_time"),
        ("9999-12-31T23:59:59Z", "implausible_time"),
        ("9999-12-31T23:59:59-23:59", "implausible_time"),
        ("1999-12-31T23:59:59.999Z", "implausible_time"),
        ("2000-01-01T01:00:00+01:00", "accepted"),
        ("2000-01-01T00:59:59+01:00", "implausible_time"),
        ((NOW + timedelta(days=1)).isoformat(), "accepted"),
        ((NOW + timedelta(days=1, microseconds=1)).isoformat(), "implausible_time"),
        ("2026-03-02t09:15:00.123456789z", "accepted"),
        ("2026-03-02 09:15:00-05:30", "accepted"),
        ("2026-03-02T09:15:00", "naive_timestamp"),
        ("2026-03-02", "invalid_value"),
        ("20260302T091500Z", "invalid_value"),
        ("2026-13-02T09:15:00Z", "invalid_value"),
        ("2026-03-02T09:15:00+24:00", "invalid_value"),
        ("1772442900", "invalid_value"),
        ("٢٠٢٦-03-02T09:15:00Z", "invalid_value"),
    ],
)
def test_occurred_at_is_an_rfc3339_string_within_the_plausible_window(stamp: str, reason: str) -> None:
    if reason == "accepted":
        accepted(raw(occurred_at=stamp))
    else:
        assert reason_of(raw(occurred_at=stamp)) == reason


@pytest.mark.parametrize("value", [0, -0.0, 1772442900, 1.5e9, True, None, ["2026-03-02T09:15:00Z"], {}])
def test_occurred_at_of_another_json_type_is_refused(value: Any) -> None:
    data = json.dumps(BASE | {"occurred_at": value}).encode()
    assert reason_of(data) == "invalid_value"


def test_the_plausible_window_follows_the_limits() -> None:
    later = EventLimits(earliest=datetime(2026, 3, 1, tzinfo=UTC), max_future_seconds=0)
    assert reason_of(raw(occurred_at="2026-02-28T23:59:59Z"), later) == "implausible_time"
    assert reason_of(raw(occurred_at="2026-03-10T12:00:01Z"), later) == "implausible_time"
    assert accepted(raw(occurred_at="2026-03-10T12:00:00Z"), later)


@pytest.mark.parametrize(
    ("score", "reason"),
    [("5", "invalid_value"), (True, "invalid_value"), (False, "invalid_value"), (None, "invalid_value"),
     ([5], "invalid_value"), (10**30, "invalid_value"), (5, "accepted"), (4.5, "accepted"), (0, "accepted")],
)  # fmt: skip
def test_survey_score_is_a_json_number(score: Any, reason: str) -> None:
    data = json.dumps(body(**SURVEY, survey={"kind": "nps", "score": score})).encode()
    if reason == "accepted":
        assert accepted(data)["survey"]["score"] == score
    else:
        assert reason_of(data) == reason


@pytest.mark.parametrize("field", ["event_id", "conversation_id", "agent_id", "customer_id", "team"])
def test_ids_and_team_are_bounded_in_utf8_bytes(field: str) -> None:
    assert accepted(raw(**{field: "x" * 256}))[field] == "x" * 256
    assert reason_of(raw(**{field: "x" * 257})) == "field_too_large"
    assert accepted(raw(**{field: "é" * 128}))[field] == "é" * 128
    assert reason_of(raw(**{field: "é" * 128 + "x"})) == "field_too_large"
    assert reason_of(raw(**{field: "x" * 17_000})) == "field_too_large"


def test_extra_fields_are_bounded_together_as_compact_json() -> None:
    one = len(json.dumps({"notes": ""}, separators=(",", ":")))
    assert accepted(raw(notes="n" * (8192 - one)))["notes"]
    assert reason_of(raw(notes="n" * (8193 - one))) == "field_too_large"
    assert reason_of(raw(a="n" * 4100, b="n" * 4100)) == "field_too_large"
    survey = {"kind": "nps", "score": 3, "comment": "c" * 8200}
    assert reason_of(json.dumps(body(**SURVEY, survey=survey)).encode()) == "field_too_large"


def test_text_limit_stays_as_before() -> None:
    assert accepted(raw(text="x" * 16_384))
    assert reason_of(raw(text="x" * 16_385)) == "text_too_large"


def test_lone_surrogates_in_text_are_repaired() -> None:
    data = raw(text="broken \ud83d client \udc00 end")
    assert b"\\ud83d" in data
    assert accepted(data)["text"] == "broken \ufffd client \ufffd end"
    assert accepted(json.dumps(BASE | {"text": "a\ud800b"}, ensure_ascii=False))["text"] == "a\ufffdb"


def test_a_surrogate_pair_is_one_character_not_a_lone_surrogate() -> None:
    assert accepted(raw(team="t-\ud83d\ude00"))["team"] == "t-😀"


@pytest.mark.parametrize(
    "data",
    [
        raw(team="a\ud800"),
        raw(agent_id="\udfff"),
        raw(customer_id="c\ud83d"),
        raw(event_id="e\udc00"),
        raw(conversation_id="\ud800c"),
        raw(channel="chat\ud800"),
        raw(locale="de\ud800"),
        raw(meta={"k\ud800": 1}),
        raw(meta=[["\udc00"]]),
        raw(**{"x\ud800": 1}),
        json.dumps(body(**SURVEY, survey={"kind": "nps\ud800", "score": 3})).encode(),
        json.dumps(BASE | {"team": "t\ud800"}, ensure_ascii=False),
    ],
)
def test_lone_surrogates_elsewhere_are_refused(data: bytes | str) -> None:
    assert reason_of(data) == "bad_encoding"


def test_encoded_surrogates_in_utf8_bytes_are_bad_encoding() -> None:
    assert reason_of(raw(text="x").replace(b'"x"', b'"\xed\xa0\x80"')) == "bad_encoding"


def test_details_never_carry_a_surrogate_or_a_long_sender_string() -> None:
    for data in (raw(meta={"k" * 5000 + "\ud800": 1}), raw(meta={"k" * 5000: "\ud800"})):
        with pytest.raises(InvalidEvent) as caught:
            decode_event(data, LIMITS, NOW)
        assert len(caught.value.detail) < 200
        caught.value.detail.encode("utf-8")


def test_every_reason_is_a_pre_created_metric_label() -> None:
    registry = CollectorRegistry()
    PipelineMetrics(registry)
    for reason in ("too_large", "too_deep", "implausible_time", "field_too_large", *REASONS):
        assert registry.get_sample_value("supportwatch_invalid_events_total", {"reason": reason}) == 0
