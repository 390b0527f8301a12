"""One customer, two channels, live: a customer chats and is answered after the critical limit,
then calls within the hour. The call's alerts carry the chat's history, one ``repeat_contact``
alert with ``channel_switch`` fires, the chat's first-contact resolution is corrected in the
metrics, ``supportwatch inspect --customer`` shows the customer from the running worker, and
a restarted worker recovers the customer from its table's changelog, and ``supportwatch replay``
of the same events raises the same alerts with the same context. The same holds for a split pair:
a ``conversations`` worker and a ``customers`` worker (``SUPPORTWATCH_ROLE``), the customer's
metrics and page on the customers one.

Real processes: a noida-db broker, ``supportwatch worker`` processes (sentiment off), the test
Redis. The events lie in the past (a backlog), so every deadline is due when the worker reads them.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from supportwatch.broker import ensure_topics
from supportwatch.replay import read_events, replay
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings, Topics
from tests.integration.live import (
    LIVE_EVENTS,
    ROOT,
    LiveWorker,
    WorkerConfig,
    offsets_committed,
    produce,
    read_alerts,
    settled,
    split_roles,
    wait_consuming,
)

pytestmark = pytest.mark.integration

CUSTOMER = "cust-ada"
CUSTOMERS_TOPIC = Topics().customers


def _same_partition(first: str, stem: str, partitions: int) -> str:
    """A conversation id of ``stem`` that the topic key puts on ``first``'s input partition: the two
    conversations' facts then reach the customer stage in event-time order, as replay applies them
    (from two partitions they may arrive out of order while a worker works off a backlog; that
    case has a unit test in tests/customers)."""
    everyone = list(range(partitions))

    def partition(key: str) -> int:
        return int(DefaultPartitioner()(key.encode(), everyone, everyone))

    return next(f"{stem}-{n}" for n in range(1000) if partition(f"{stem}-{n}") == partition(first))


def _story(now: datetime, call: str) -> list[tuple[str, bytes]]:
    """The chat breaches its 1-minute first reply and goes critical at 3 minutes before the answer;
    it is solved; 3 minutes later the customer calls and waits a minute (the phone's first reply
    breaches too). Everything ends 2 minutes before ``now``."""
    ada = LIVE_EVENTS.but(base=now - timedelta(minutes=10), customer=CUSTOMER, timespec="milliseconds")
    return [
        ada.raw(0, "customer", "chat-ada", event_id="chat-ada-0", text="Where is my refund?"),
        ada.raw(200, "agent", "chat-ada", event_id="chat-ada-1", text="Sorry!"),
        ada.raw(220, "solved", "chat-ada", event_id="chat-ada-2"),
        ada.raw(400, "customer", call, event_id=f"{call}-0", channel="phone", text=None),
        ada.raw(460, "agent", call, event_id=f"{call}-1", channel="phone", text=None),
    ]


def _inspect(worker: LiveWorker) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "supportwatch.cli", "inspect", "--customer", CUSTOMER, "--url", worker.url],
        cwd=ROOT, capture_output=True, timeout=60, check=False)


@contextmanager
def _workers(config: WorkerConfig, log_path: Path, split: bool) -> Iterator[tuple[LiveWorker, LiveWorker]]:
    """The worker that reads the events and the one that holds the customers: one ``all`` worker,
    or a conversations worker and a customers worker (each its own data directory)."""
    if not split:
        with LiveWorker(config, log_path) as worker:
            yield worker, worker
        return
    conversations, customers = split_roles(config)
    with LiveWorker(conversations, log_path) as first, \
            LiveWorker(customers, log_path.with_name(f"customers-{log_path.name}")) as second:
        yield first, second


def _key(alert: dict[str, Any]) -> tuple[str, str, str]:
    return alert["conversation_id"], alert["kind"], alert["level"]


@pytest.mark.parametrize("split", [False, True], ids=["one worker", "split roles"])
async def test_a_customer_who_chats_then_calls_is_seen_across_channels(worker_config: WorkerConfig,
                                                                      tmp_path: Path, split: bool) -> None:
    config = dataclasses.replace(worker_config, extra_env={"SUPPORTWATCH_SENTIMENT_ENABLED": "false"})
    call = _same_partition("chat-ada", "call-ada", config.partitions)
    stream = _story(datetime.now(UTC), call)
    await ensure_topics(config.bootstrap, Topics(partitions=config.partitions).all())
    await produce(config.bootstrap, stream)

    with _workers(config, tmp_path / "worker.log", split) as (worker, holder):
        received = await read_alerts(config.bootstrap, settled(worker, len(stream)), timeout=150)
        end = datetime.now(UTC)
        assert worker.alive() and holder.alive(), worker.log_tail() + holder.log_tail()
        recontacts = holder.sample("supportwatch_customer_recontacts_total", channel="chat", team="returns")
        resolutions = holder.sample("supportwatch_customer_resolutions_total", channel="chat", team="returns")
        switches = holder.sample("supportwatch_repeat_contacts_total", channel="phone", from_channel="chat")
        inspect = _inspect(holder)
        holder.wait_for(lambda w: offsets_committed(w, [CUSTOMERS_TOPIC]), 60, "the customer facts committed")
    with _workers(config, tmp_path / "worker-2.log", split) as (again, holding):  # the customer table's changelog
        await wait_consuming(again, config.bootstrap)
        holding.wait_for(lambda w: _inspect(w).returncode == 0, 60, "the customer recovered")
        recovered = _inspect(holding)
    live = [r.alert for r in received]

    repeats = [a for a in live if a["kind"] == "repeat_contact"]
    assert len(repeats) == 1, live
    assert repeats[0]["conversation_id"] == call and repeats[0]["channel_switch"] is True
    assert repeats[0]["from_channel"] == "chat"
    call = [a for a in live if a["conversation_id"] == call and a["kind"] == "sla_breach"]
    assert len(call) == 1
    context = call[0]["customer"]
    assert call[0]["customer_id"] == CUSTOMER
    assert context["contacts_7d"] == 2 and context["criticals_30d"] == 1 and context["breaches_30d"] == 2
    assert context["open_conversations"] == {"phone": 1}
    assert all(a["customer_id"] == CUSTOMER and a["customer"] is not None for a in live)
    assert (resolutions, recontacts, switches) == (1, 1, 1)

    assert inspect.returncode == 0, inspect.stderr.decode()
    shown = json.loads(inspect.stdout)
    assert shown["customer_id"] == CUSTOMER and [c["channel"] for c in shown["conversations"]] == ["chat", "phone"]
    assert shown["conversations"][0]["first_contact"] is False
    assert recovered.returncode == 0, recovered.stderr.decode()
    assert json.loads(recovered.stdout)["conversations"] == shown["conversations"]

    settings = Settings(policy_file=config.policy_file, sentiment_enabled=False)
    runtime = build_runtime(settings)
    events = read_events((value for _, value in stream), settings.limits, Counter())
    replayed = [json.loads(a.to_json()) for a in
                replay(events, runtime.tracker, {}, end=end, customers=runtime.customer_tracker).alerts]
    assert sorted(map(_key, live)) == sorted(map(_key, replayed))
    by_key = {_key(a): a["customer"] for a in replayed}
    differ = [(_key(a), {k: (v, by_key[_key(a)][k]) for k, v in a["customer"].items() if v != by_key[_key(a)][k]})
              for a in live if a["customer"] != by_key[_key(a)]]
    assert differ == [], "live and replay disagree on a customer context"
