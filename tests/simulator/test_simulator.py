"""The event simulator: deterministic, valid v1 events, broken ones refused for the intended reason,
SLA reply bands in the configured proportions, demo backlog breaching on every channel, customers
returning on another channel, vip customers' tier on every event."""

from __future__ import annotations

import itertools
import json
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportwatch.events import Channel, Event, EventLimits, EventType, InvalidEvent, decode_event
from supportwatch.simulator import (
    CHANNEL_TARGETS,
    TEAMS,
    SimRecord,
    Simulator,
    SimulatorConfig,
    SimulatorConfigError,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIMITS = EventLimits()
NOW = START + timedelta(days=365)  # the receiver's clock: every simulated event is in its past


def take(config: SimulatorConfig, n: int) -> list[SimRecord]:
    return list(itertools.islice(Simulator(config, START).records(), n))


def valid_events(records: list[SimRecord]) -> list[Event]:
    return [decode_event(r.value, LIMITS, NOW) for r in records if r.invalid is None]


def by_conversation(events: list[Event]) -> dict[str, list[Event]]:
    grouped: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        grouped[event.conversation_id].append(event)
    return grouped


def first_reply_delays(events: list[Event], until: datetime) -> list[float | None]:
    """Seconds from the first customer message to the first agent message, for conversations opened
    before ``until`` (``None``: no agent reply seen)."""
    delays: list[float | None] = []
    for convo in by_conversation(events).values():
        asked = next((e.at for e in convo if e.is_customer_message), None)
        if asked is None or asked >= until:
            continue
        replied = next((e.at for e in convo if e.type is EventType.MESSAGE and e.author == "agent"), None)
        delays.append(None if replied is None else (replied - asked).total_seconds())
    return delays


def test_same_seed_same_stream_and_another_seed_another() -> None:
    config = SimulatorConfig(seed=11, invalid_ratio=0.05)
    first = take(config, 3000)
    assert first == take(config, 3000)
    sim = Simulator(config, START)
    assert list(itertools.islice(sim.records(), 3000)) == list(itertools.islice(sim.records(), 3000))
    other = take(SimulatorConfig(seed=12, invalid_ratio=0.05), 3000)
    assert [r.value for r in other] != [r.value for r in first]


def test_events_are_a_tuple_view_of_records() -> None:
    sim = Simulator(SimulatorConfig(), START)
    records = list(itertools.islice(sim.records(), 200))
    assert list(itertools.islice(sim.events(), 200)) == [(r.at, r.key, r.value) for r in records]


def test_valid_events_decode_and_broken_ones_fail_for_the_intended_reason() -> None:
    records = take(SimulatorConfig(invalid_ratio=0.1), 20_000)
    refused: Counter[str] = Counter()
    for record in records:
        if record.invalid is None:
            event = decode_event(record.value, LIMITS, NOW)
            assert record.key == event.conversation_id.encode()
            assert event.at == record.at
        else:
            with pytest.raises(InvalidEvent) as caught:
                decode_event(record.value, LIMITS, NOW)
            assert caught.value.reason == record.invalid, record.value[:200]
            refused[record.invalid] += 1
    assert set(refused) == {
        "bad_json", "not_an_object", "bad_encoding", "missing_field", "naive_timestamp", "invalid_value",
        "text_too_large",
    }  # fmt: skip
    share = sum(refused.values()) / (len(records) - sum(refused.values()))
    assert 0.08 < share < 0.12


def test_stream_has_every_channel_type_status_and_realistic_fields() -> None:
    events = valid_events(take(SimulatorConfig(), 30_000))
    assert {e.channel for e in events} == set(Channel)
    assert {e.type for e in events} == set(EventType)
    assert {e.status.value for e in events if e.status} == {"open", "pending", "on_hold", "solved", "closed"}
    assert {e.author.value for e in events if e.author} == {"customer", "agent", "bot", "system"}
    assert {e.priority.value for e in events} == {"low", "normal", "high", "urgent"}
    assert {e.survey.kind.value for e in events if e.survey} == {"csat", "nps", "ces"}
    assert {e.team for e in events if e.type is EventType.ASSIGNMENT} == set(TEAMS)
    assert {e.channel for e in events if e.author == "bot"} == {Channel.CHAT, Channel.MESSAGING}
    reopened = [e for e in events if e.status == "open" and e.author == "customer"]
    assert reopened, "some customers reopen solved conversations"
    assert any(e.model_extra for e in events), "a few events carry unknown extra fields"
    assert len({e.event_id for e in events}) == len(events)
    texts = {e.text for e in events if e.is_customer_message and e.text}
    assert len(texts) > 2000, "customer texts vary"


def test_timestamps_carry_a_utc_offset_in_both_spellings() -> None:
    stamps = [json.loads(r.value)["occurred_at"] for r in take(SimulatorConfig(invalid_ratio=0), 500)]
    assert all(s.endswith(("Z", "+00:00")) for s in stamps)
    assert {s[-1] for s in stamps} == {"Z", "0"}


@pytest.mark.parametrize("channel", [c.value for c in Channel])
def test_first_replies_fall_in_the_configured_bands(channel: str) -> None:
    target = CHANNEL_TARGETS[channel]
    config = SimulatorConfig(
        seed=3, channel_mix={channel: 1.0}, conversations_per_minute=1200 * 60 / (target.target * 6),
        late_ratio=0.2, critical_ratio=0.05, near_breach_ratio=0.15, invalid_ratio=0,
    )  # fmt: skip
    # ~1200 conversations open within 6 targets; read on until every one of them could be answered.
    horizon = START + timedelta(seconds=target.target * 6)
    enough = START + timedelta(seconds=target.target * 6 + target.critical * 1.5)
    sim = Simulator(config, START)
    events = valid_events(list(itertools.takewhile(lambda r: r.at < enough, sim.records())))
    delays = first_reply_delays(events, until=horizon)
    assert len(delays) > 900 and None not in delays
    answered = [d for d in delays if d is not None]
    share = {
        "critical": sum(d > target.critical for d in answered) / len(answered),
        "late": sum(target.target < d <= target.critical for d in answered) / len(answered),
        "near": sum(0.75 * target.target <= d <= target.target for d in answered) / len(answered),
        "on_time": sum(d < 0.75 * target.target for d in answered) / len(answered),
    }
    assert share["critical"] == pytest.approx(0.05, abs=0.025)
    assert share["late"] == pytest.approx(0.2, abs=0.04)
    assert share["near"] == pytest.approx(0.15, abs=0.04)
    assert share["on_time"] == pytest.approx(0.6, abs=0.05)


def test_surveys_are_worse_after_late_replies() -> None:
    events = valid_events(take(SimulatorConfig(seed=5, invalid_ratio=0, late_ratio=0.3), 30_000))
    csat: dict[bool, list[float]] = {True: [], False: []}
    for convo in by_conversation(events).values():
        survey = next((e.survey for e in convo if e.survey and e.survey.kind == "csat"), None)
        asked = next(e.at for e in convo if e.is_customer_message)
        replied = next((e.at for e in convo if e.author == "agent" and e.type is EventType.MESSAGE), None)
        if survey is None or replied is None:
            continue
        late = (replied - asked).total_seconds() > CHANNEL_TARGETS[convo[0].channel.value].target
        csat[late].append(survey.score)
    assert len(csat[True]) > 50 and len(csat[False]) > 50
    assert sum(csat[True]) / len(csat[True]) < sum(csat[False]) / len(csat[False]) - 0.5


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    rate=st.floats(0.5, 600),
    late=st.floats(0, 0.5),
    invalid=st.floats(0, 0.3),
    backlog=st.integers(0, 3),
    returning=st.floats(0, 1),
    remembered=st.integers(1, 50),
)
def test_stream_order_and_validity_hold_for_any_config(
    seed: int, rate: float, late: float, invalid: float, backlog: int, returning: float, remembered: int
) -> None:
    config = SimulatorConfig(
        seed=seed, conversations_per_minute=rate, late_ratio=late, invalid_ratio=invalid,
        backlog_per_channel=backlog, returning_share=returning, remembered_customers=remembered,
        return_gap_min=timedelta(0),
    )  # fmt: skip
    records = take(config, 400)
    assert all(a.at <= b.at for a, b in itertools.pairwise(records)), "event-time order"
    events = valid_events(records)
    for convo in by_conversation(events).values():
        assert all(a.at <= b.at for a, b in itertools.pairwise(convo)), "per conversation too"
        assert all(e.channel == convo[0].channel for e in convo)
    assert len({e.event_id for e in events}) == len(events)
    if invalid == 0:
        assert all(r.invalid is None for r in records)


def test_demo_config_breaches_every_channel_within_a_wall_minute() -> None:
    config = SimulatorConfig.demo()
    window_end = START + timedelta(seconds=60 * config.speedup)
    sim = Simulator(config, START)
    events = valid_events(list(itertools.takewhile(lambda r: r.at <= window_end, sim.records())))
    breached: set[str] = set()
    critical: set[str] = set()
    for convo in by_conversation(events).values():
        target = CHANNEL_TARGETS[convo[0].channel.value]
        asked = next((e.at for e in convo if e.is_customer_message), None)
        if asked is None:
            continue
        replied = next((e.at for e in convo if e.author == "agent" and e.type is EventType.MESSAGE), None)
        for limit, seen in ((target.target, breached), (target.critical, critical)):
            due = asked + timedelta(seconds=limit)
            if START <= due <= window_end and (replied is None or replied > due):
                seen.add(convo[0].channel.value)
    assert breached == {c.value for c in Channel}
    assert critical == {c.value for c in Channel}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"late_ratio": 0.6, "near_breach_ratio": 0.5}, "must not exceed 1"),
        ({"invalid_ratio": 1.5}, "invalid_ratio must be within 0-1"),
        ({"channel_mix": {"fax": 1.0}}, "unknown channels"),
        ({"speedup": 0}, "must be positive"),
        ({"channel_mix": {"chat": 0.0}}, "positive sum"),
        ({"returning_share": -0.1}, "returning_share must be within 0-1"),
        ({"vip_share": 2}, "vip_share must be within 0-1"),
        ({"return_gap_min": timedelta(hours=3)}, "below return_gap_max"),
        ({"return_gap_min": timedelta(seconds=-1)}, "return_gap_min must be >= 0"),
        ({"remembered_customers": 0}, "remembered_customers must be >= 1"),
    ],
)
def test_config_rejects_impossible_values(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SimulatorConfigError, match=message):
        SimulatorConfig(**overrides)  # type: ignore[arg-type]


def test_demo_rejects_unknown_overrides_and_naive_start() -> None:
    with pytest.raises(SimulatorConfigError, match="unknown SimulatorConfig fields"):
        SimulatorConfig.demo(speed=2)
    with pytest.raises(SimulatorConfigError, match="timezone-aware"):
        Simulator(SimulatorConfig(), datetime(2026, 1, 1))  # noqa: DTZ001 - the naive start under test
    assert Simulator(SimulatorConfig(), datetime(2026, 1, 1, 10, tzinfo=UTC)).start.tzinfo is UTC


def openings(config: SimulatorConfig, n: int) -> list[tuple[datetime, str, str, str | None]]:
    """``(opened at, customer_id, channel, customer_tier)`` of the first ``n`` conversations to open."""
    seen: dict[str, tuple[datetime, str, str, str | None]] = {}
    for record in Simulator(config, START).records():
        if record.invalid is not None:
            continue
        body = json.loads(record.value)
        if body["conversation_id"] not in seen:
            seen[body["conversation_id"]] = (record.at, body["customer_id"], body["channel"], body.get("customer_tier"))
            if len(seen) == n:
                break
    return list(seen.values())


def returns(opened: list[tuple[datetime, str, str, str | None]]) -> list[tuple[float, str, str, datetime]]:
    """``(minutes since the customer's previous conversation opened, its channel, this channel, at)``
    for every conversation whose customer had one before."""
    previous: dict[str, tuple[datetime, str]] = {}
    found: list[tuple[float, str, str, datetime]] = []
    for at, customer, channel, _ in opened:
        if customer in previous:
            before, was = previous[customer]
            found.append(((at - before).total_seconds() / 60, was, channel, at))
        previous[customer] = (at, channel)
    return found


RETURNING = SimulatorConfig(
    seed=21, conversations_per_minute=20, invalid_ratio=0, returning_share=0.3, channel_switch_ratio=0.7,
    return_gap_min=timedelta(minutes=5), return_gap_max=timedelta(hours=1),
)  # fmt: skip


def test_returning_customers_come_back_within_the_gap_mostly_on_another_channel() -> None:
    opened = openings(RETURNING, 2000)
    assert opened[-1][0] - START > timedelta(hours=1.5), "long enough for customers to be forgotten"
    back = returns(opened)
    after_first_gap = [o for o in opened if o[0] >= START + RETURNING.return_gap_min]
    assert len(back) / len(after_first_gap) == pytest.approx(0.3, abs=0.035)
    slack = 0.001 / 60  # the wire format's milliseconds
    assert all(5 - slack <= minutes <= 60 + slack for minutes, *_ in back)
    assert max(minutes for minutes, *_ in back) > 45, "returns spread over the whole gap"
    switched = sum(was != now for _, was, now, _ in back) / len(back)
    assert switched == pytest.approx(0.7, abs=0.06)
    assert {(was, now) for _, was, now, _ in back} >= {("chat", "phone"), ("email", "chat")}


def test_new_customers_are_never_seen_again_without_returns() -> None:
    opened = openings(replace(RETURNING, returning_share=0.0, backlog_per_channel=2), 2000)
    assert len({customer for _, customer, *_ in opened}) == len(opened)


def test_a_single_channel_customer_returns_on_the_same_channel() -> None:
    back = returns(openings(replace(RETURNING, channel_mix={"chat": 1.0}), 600))
    assert back and all(was == now == "chat" for _, was, now, _ in back)


def test_only_the_last_remembered_customers_return() -> None:
    config = replace(RETURNING, conversations_per_minute=120, remembered_customers=40, return_gap_min=timedelta(0))
    opened = openings(config, 1500)
    back = returns(opened)
    assert len(back) > 300
    for minutes, _, _, at in back:
        since = at - timedelta(minutes=minutes)
        newer = {customer for opened_at, customer, *_ in opened if since < opened_at < at}
        assert len(newer) < config.remembered_customers


def test_customers_whose_first_reply_was_late_return_more_often() -> None:
    events = valid_events(take(replace(RETURNING, late_ratio=0.25), 40_000))
    convos = sorted(by_conversation(events).values(), key=lambda c: c[0].at)
    latest: dict[str | None, bool | None] = {}  # customer: was their latest conversation's first reply late
    came_back: Counter[bool | None] = Counter()
    conversations: Counter[bool | None] = Counter()
    for convo in convos:
        if convo[0].customer_id in latest:
            came_back[latest[convo[0].customer_id]] += 1
        asked = next(e.at for e in convo if e.is_customer_message)
        replied = next((e.at for e in convo if e.author == "agent" and e.type is EventType.MESSAGE), None)
        target = CHANNEL_TARGETS[convo[0].channel.value].target
        late = None if replied is None else (replied - asked).total_seconds() > target
        latest[convo[0].customer_id] = late
        conversations[late] += 1
    rates = {late: came_back[late] / conversations[late] for late in (True, False)}
    assert rates[True] > 1.5 * rates[False], rates


def test_vip_customers_carry_their_tier_on_every_event() -> None:
    records = take(replace(RETURNING, vip_share=0.2), 20_000)
    bodies = [json.loads(r.value) for r in records]
    tiers: dict[str, set[str | None]] = defaultdict(set)
    for body in bodies:
        tiers[body["customer_id"]].add(body.get("customer_tier"))
    assert all(t in ({"vip"}, {None}) for t in tiers.values()), "every event of a customer, returning too"
    assert sum(t == {"vip"} for t in tiers.values()) / len(tiers) == pytest.approx(0.2, abs=0.04)
    assert {"vip"} == {e.customer_tier for e in valid_events(records) if e.customer_tier is not None}
    assert {b.get("customer_tier") for b in bodies} == {"vip", None}
    assert all("customer_tier" not in json.loads(r.value) for r in take(replace(RETURNING, vip_share=0.0), 3000))


def test_returning_customers_are_deterministic() -> None:
    config = replace(RETURNING, vip_share=0.1, backlog_per_channel=3)
    assert openings(config, 800) == openings(config, 800)
    assert returns(openings(config, 800)) != returns(openings(replace(config, seed=22), 800))


def test_demo_minute_has_customers_returning_on_another_channel() -> None:
    config = SimulatorConfig.demo()
    window_end = START + timedelta(seconds=60 * config.speedup)
    opened = [o for o in openings(config, 2000) if o[0] <= window_end]
    back = [r for r in returns(opened) if r[3] >= START]
    assert len(back) >= 40
    assert sum(was != now for _, was, now, _ in back) >= 25
    assert any(tier == "vip" for *_, tier in opened)
