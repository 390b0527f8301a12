"""Two workers share the input partitions; one stops cleanly while first-reply warnings are about
to come due; the other takes over its partitions, recovers their conversations from the changelog
and fires every due warning and breach, each delivered once.

Real processes: a noida-db broker, two ``supportwatch worker`` processes in one consumer group
(4 partitions, one Redis prefix), the test Redis.

The worker is stopped with SIGTERM (it leaves the group): noida-db 0.2.3 never evicts a member that
died without a LeaveGroup (SIGKILL), so the survivor would loop in JoinGroup/SyncGroup
(REBALANCE_IN_PROGRESS) instead of taking over; tests/integration/test_restart.py covers a SIGKILL
by restarting the broker.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.live import (
    LiveWorker,
    Received,
    WorkerConfig,
    all_consuming,
    keys_per_partition,
    logged_alerts,
    phone_message,
    produce,
    read_alerts,
    write_policy,
)

pytestmark = pytest.mark.integration

PER_PARTITION = 3
# Phone first reply: a warning 15 s after the customer's message, the breach at 30 s; critical far away.
POLICY = {"first_reply": {"target": "30s", "critical": "10m", "warnings": ["15s before"]}}
WARNING_LEVEL, WARNING_AFTER = "warning:15s before", timedelta(seconds=15)
BREACH_LEVEL = "breach"
AGENT, LEAD = "agent:agent-7", "lead:support-oncall"
# (kind, level, recipient) the log sink prints per conversation: the warning to the agent, the breach to both.
EXPECTED_LINES = {("sla_warning", WARNING_LEVEL, AGENT), ("sla_breach", BREACH_LEVEL, AGENT),
                  ("sla_breach", BREACH_LEVEL, LEAD)}


def _message(conversation_id: str, at: datetime) -> tuple[str, bytes]:
    """A phone customer message without text, assigned to an agent so that warnings have a recipient."""
    body = json.loads(phone_message(conversation_id, at)) | {"agent_id": "agent-7"}
    return conversation_id, json.dumps(body).encode("utf-8")


def _waiting(worker: LiveWorker) -> float:
    return worker.sample("supportwatch_open_conversations", channel="phone", state="waiting_first_reply") or 0.0


def _sla(received: list[Received], kind: str) -> Counter[tuple[str, str]]:
    return Counter((r.alert["conversation_id"], r.alert["level"]) for r in received
                   if r.alert["kind"] == kind and r.alert.get("clock") == "first_reply")


def _all_breached(ids: list[str]) -> Callable[[list[Received]], bool]:
    def done(received: list[Received]) -> bool:
        return {cid for cid, _ in _sla(received, "sla_breach")} >= set(ids)

    return done


async def test_survivor_takes_over_and_delivers_each_due_alert_once(
    worker_config: WorkerConfig, tmp_path: Path
) -> None:
    partitions = worker_config.partitions
    policy = write_policy(tmp_path / "scale-out-policy.yaml", POLICY)
    configs = [dataclasses.replace(worker_config, policy_file=policy, data_dir=tmp_path / f"worker-{n}")
               for n in (1, 2)]
    ids = keys_per_partition("scale", partitions, PER_PARTITION)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]

    with LiveWorker(configs[0], logs[0]) as leaving, LiveWorker(configs[1], logs[1]) as staying:
        leaving.wait_serving()
        staying.wait_serving()
        await all_consuming((leaving, staying), worker_config.bootstrap, partitions)

        t0 = datetime.now(UTC).replace(microsecond=0)
        await produce(worker_config.bootstrap, [_message(cid, t0) for cid in ids])
        leaving.wait_for(lambda w: _waiting(w) > 0 and _waiting(w) + _waiting(staying) == len(ids), 30,
                         "the open conversations on both workers")
        held_by_leaving = _waiting(leaving)
        stopped_at = datetime.now(UTC)
        leaving.stop()
        assert stopped_at < t0 + WARNING_AFTER, f"stopped {stopped_at - t0} after the messages: too late"

        staying.wait_for(lambda w: _waiting(w) == len(ids), 60, "the taken-over conversations")
        received = await read_alerts(worker_config.bootstrap, _all_breached(ids), timeout=90)
        assert staying.alive(), staying.log_tail()
        expected = {(cid, *line) for cid in ids for line in EXPECTED_LINES}
        staying.wait_for(lambda w: expected <= set(logged_alerts(logs[1])), 60, "the delivered alerts in the log")
        time.sleep(3)  # a repeated delivery would show up by now
        staying.stop()

    assert 0 < held_by_leaving < len(ids), held_by_leaving
    expected_warnings = {(cid, WARNING_LEVEL) for cid in ids}
    expected_breaches = {(cid, BREACH_LEVEL) for cid in ids}
    assert set(_sla(received, "sla_warning")) == expected_warnings
    assert set(_sla(received, "sla_breach")) == expected_breaches
    for alert in (r.alert for r in received if r.alert["kind"] == "sla_warning"):
        assert datetime.fromisoformat(alert["due_at"]) == t0 + WARNING_AFTER
        assert datetime.fromisoformat(alert["fired_at"]) >= stopped_at, "fired before the take-over"

    delivered = Counter(line for path in logs for line in logged_alerts(path))
    assert set(delivered) == expected, sorted(set(delivered) ^ expected)
    assert [line for line, n in delivered.items() if n > 1] == []
