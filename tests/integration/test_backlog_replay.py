"""A backlog: events of the last ten minutes are on the input topic before the worker starts. The
live worker must raise the same SLA alerts as ``supportwatch replay`` of the same events: none from
a deadline whose answer is still in the backlog (a reply at 50 s must stop the clock before its
1-minute breach is judged), none missing.

Real processes: a noida-db broker, a ``supportwatch worker`` (sentiment off), the test Redis; the
replay runs in this process on the same policy file.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from supportwatch.broker import ensure_topics
from supportwatch.replay import read_events, replay
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings, Topics
from tests.integration.live import (
    LIVE_EVENTS,
    LiveWorker,
    WorkerConfig,
    produce,
    read_alerts,
    settled,
    write_policies,
)

pytestmark = pytest.mark.integration

CHANNELS = ("chat", "phone", "messaging", "social", "email")
PER_CHANNEL = 30
SLA_KINDS = {"sla_warning", "sla_breach", "sla_critical", "resolved"}
# Every channel: first and next reply warn at 30 s, breach at 1 min, go critical at 3 min; resolution
# (1 h, warning at 48 min) never comes due within the test. Every deadline of the stream below is due
# at least 3 minutes before the worker starts, so none is in flight when the two are compared.
REPLY = {"target": "1m", "critical": "3m", "warnings": ["50%"]}
CLOCKS = {"first_reply": REPLY, "next_reply": REPLY, "resolution": {"target": "1h", "critical": "4h",
                                                                    "warnings": ["80%"]}}
# Reply delays after the customer's first message, one scenario per conversation in turn (seconds):
# before the warning; after the warning, before the breach; after the breach; after critical; never.
REPLY_AFTER = (10.0, 50.0, 90.0, 200.0, None)


def _conversation(cid: str, channel: str, start: datetime, scenario: int) -> Iterator[tuple[datetime, str, bytes]]:
    """One conversation's ``(at, key, value)`` records; a third of those answered in time get a follow-up whose
    next reply is late."""
    shape = LIVE_EVENTS.but(conversation=cid, channel=channel, customer=f"cust-{cid}", timespec="milliseconds")
    yield start, *shape.raw(start, "customer", event_id=f"{cid}-0", text="Hello, where is my parcel?")
    reply_after = REPLY_AFTER[scenario % len(REPLY_AFTER)]
    if reply_after is None:
        return
    replied = start + timedelta(seconds=reply_after)
    yield replied, *shape.raw(replied, "agent", event_id=f"{cid}-1", text="Let me check.")
    if scenario % 3 == 0 and reply_after < 100:
        asked = replied + timedelta(seconds=5)
        yield asked, *shape.raw(asked, "customer", event_id=f"{cid}-2", text="Any news?")
        answered = asked + timedelta(seconds=70)
        yield answered, *shape.raw(answered, "agent", event_id=f"{cid}-3", text="Yes.")
    elif scenario % 3 == 1:
        solved = replied + timedelta(seconds=8)
        yield solved, *shape.raw(solved, "solved", event_id=f"{cid}-2")


def _stream(now: datetime) -> list[tuple[datetime, str, bytes]]:
    """Conversations starting 10 to 7 minutes ago, every channel, in event-time order."""
    start = now - timedelta(minutes=10)
    conversations = len(CHANNELS) * PER_CHANNEL
    step = timedelta(minutes=3) / conversations
    events = [
        event
        for i in range(conversations)
        for event in _conversation(f"backlog-{i}", CHANNELS[i % len(CHANNELS)], start + i * step, i // len(CHANNELS))
    ]
    return sorted(events, key=lambda e: e[0])


def _events_consumed(worker: LiveWorker) -> float:
    return worker.sample("supportwatch_events_total") or 0.0


def _sla(alerts: list[dict[str, Any]]) -> Counter[tuple[str, str, str, str]]:
    """(conversation, kind, clock, level) of the SLA alerts: the first and next reply clocks have the same levels."""
    return Counter((a["conversation_id"], a["kind"], a["clock"], a["level"]) for a in alerts if a["kind"] in SLA_KINDS)


@pytest.mark.parametrize("store", ["memory", "rocksdb"])
async def test_backlog_alerts_match_replay(worker_config: WorkerConfig, tmp_path: Path, store: str) -> None:
    if store == "rocksdb":
        pytest.importorskip("rocksdict", reason="the rocksdb table store needs the rocksdb extra")
    policy = write_policies(tmp_path / "backlog-policy.yaml", dict.fromkeys(CHANNELS, CLOCKS))
    config = dataclasses.replace(worker_config, policy_file=policy,
                                 extra_env={"SUPPORTWATCH_SENTIMENT_ENABLED": "false",
                                            "SUPPORTWATCH_TABLE_STORE": store})
    stream = _stream(datetime.now(UTC))
    # Created with their partition counts first: noida-db would auto-create the topic with one partition.
    await ensure_topics(config.bootstrap, Topics(partitions=config.partitions).all())
    await produce(config.bootstrap, [(key, value) for _, key, value in stream])
    assert max(at for at, _, _ in stream) < datetime.now(UTC) - timedelta(minutes=3, seconds=30)

    with LiveWorker(config, tmp_path / "worker.log") as worker:
        received = await read_alerts(config.bootstrap, settled(worker, len(stream)), timeout=150)
        end = datetime.now(UTC)
        assert worker.alive(), worker.log_tail()
        consumed = _events_consumed(worker)
    assert consumed == len(stream), f"the worker applied {consumed:g} of {len(stream)} events"
    if store == "rocksdb":  # the tables really were rocksdb stores, not faust's memory fallback
        expected_files = sorted(f"{table}-{partition}.db" for table in ("conversations", "customers")
                                for partition in range(config.partitions))
        assert sorted(path.name for path in config.data_dir.glob("v*/tables/*.db")) == expected_files

    settings = Settings(policy_file=policy, sentiment_enabled=False)
    events = read_events((value for _, _, value in stream), settings.limits, Counter())
    assert len(events) == len(stream)
    expected = _sla([json.loads(a.to_json()) for a in replay(events, build_runtime(settings).tracker, {}, end=end)
                     .alerts])
    live = _sla([r.alert for r in received])

    kinds = Counter(kind for _, kind, _, _ in expected)
    assert all(kinds[kind] > 0 for kind in SLA_KINDS), kinds  # the stream exercises every SLA kind
    assert set(live) == set(expected), (sorted(set(live) - set(expected)), sorted(set(expected) - set(live)))
    assert [key for key, n in live.items() if n > 1] == [], "an alert fired twice"
