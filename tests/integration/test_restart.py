"""A worker SIGKILLed while SLA warnings are about to come due, restarted after they are due:
the restarted worker recovers the conversation table (from its changelog, or by consuming again
what the killed worker had not committed), rebuilds the deadline index and fires each due
warning exactly once, then the breach; no conversation is lost.

Real processes: a noida-db broker, two ``supportwatch worker`` processes in turn, the test Redis.

The broker is restarted (same data dir) while the worker is down: noida-db 0.2.3 never evicts a
group member that died without a LeaveGroup (its session timeout does not expire it), so a new
worker in the same group would loop in JoinGroup/SyncGroup (REBALANCE_IN_PROGRESS) forever. Kafka
evicts it after ``session.timeout.ms``; restarting the broker is the embedded stand-in for that.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from supportwatch.broker import EmbeddedBroker
from tests.integration.conftest import BREACH, WARNINGS
from tests.integration.live import (
    EVENTS_TOPIC,
    LiveWorker,
    Received,
    WorkerConfig,
    offsets_committed,
    phone_message,
    produce,
    read_alerts,
    wait_consuming,
)

pytestmark = pytest.mark.integration

CONVERSATIONS = 6


def _first_reply(received: list[Received], kind: str) -> list[dict[str, Any]]:
    return [r.alert for r in received if r.alert["kind"] == kind and r.alert.get("clock") == "first_reply"]


def _all_breached(ids: list[str]) -> Callable[[list[Received]], bool]:
    def done(received: list[Received]) -> bool:
        return {a["conversation_id"] for a in _first_reply(received, "sla_breach")} >= set(ids)

    return done


def _waiting(worker: LiveWorker) -> float | None:
    return worker.sample("supportwatch_open_conversations", channel="phone", state="waiting_first_reply")


def _ms(at: datetime) -> datetime:
    """The event contract's millisecond precision."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


@pytest.mark.parametrize("offsets", ["uncommitted", "committed"])
async def test_killed_worker_fires_each_due_warning_once_after_restart(
    broker: EmbeddedBroker, worker_config: WorkerConfig, tmp_path: Path, offsets: str
) -> None:
    ids = [f"restart-{i}" for i in range(CONVERSATIONS)]

    with LiveWorker(worker_config, tmp_path / "worker-1.log") as first:
        first.wait_serving()
        await wait_consuming(first, broker.bootstrap)
        t0 = _ms(datetime.now(UTC))
        await produce(broker.bootstrap, [(cid, phone_message(cid, t0)) for cid in ids])
        first.wait_for(lambda w: _waiting(w) == CONVERSATIONS, 30, "the open conversations")
        if offsets == "committed":
            # The restarted worker then finds the conversations in the changelog only.
            first.wait_for(lambda w: offsets_committed(w, [EVENTS_TOPIC]), 30, "the commit")
        killed_at = datetime.now(UTC)
        first.kill()
    assert killed_at < t0 + min(WARNINGS.values()), f"killed {killed_at - t0} after the messages: too late"

    broker.stop()
    broker.start()
    # Stay down until every warning is due; the restarted worker must fire them on recovery.
    time.sleep(max(0.0, (t0 + max(WARNINGS.values()) - datetime.now(UTC)).total_seconds()))
    restarted_at = datetime.now(UTC)
    config = dataclasses.replace(worker_config, bootstrap=broker.bootstrap)
    with LiveWorker(config, tmp_path / "worker-2.log") as second:
        received = await read_alerts(broker.bootstrap, _all_breached(ids), timeout=180)
        assert second.alive(), second.log_tail()
        warnings_counted = second.sample("supportwatch_sla_warnings_total", channel="phone", clock="first_reply")
        ingested_again = second.sample("supportwatch_events_total", channel="phone", type="message")

    warnings = _first_reply(received, "sla_warning")
    breaches = _first_reply(received, "sla_breach")
    per_level = Counter((a["conversation_id"], a["level"]) for a in warnings)
    assert dict(per_level) == {(cid, level): 1 for cid in ids for level in WARNINGS}, sorted(per_level.items())
    assert Counter(a["conversation_id"] for a in breaches) == dict.fromkeys(ids, 1)
    assert warnings_counted == CONVERSATIONS * len(WARNINGS)
    if offsets == "committed":
        assert ingested_again == 0, "the restarted worker consumed the messages again"

    for alert in warnings:
        assert datetime.fromisoformat(alert["due_at"]) == t0 + WARNINGS[alert["level"]]
        assert datetime.fromisoformat(alert["fired_at"]) >= restarted_at, "fired before the restart"
    for cid in ids:
        # One key, one partition: a conversation's alerts are on the topic in the order they fired.
        kinds = [r.alert["kind"] for r in received if r.alert.get("conversation_id") == cid]
        assert kinds == ["sla_warning", "sla_warning", "sla_breach"], (cid, kinds)
        breach = next(a for a in breaches if a["conversation_id"] == cid)
        assert datetime.fromisoformat(breach["due_at"]) == t0 + BREACH
