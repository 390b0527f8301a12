"""Delivery: route an alert, deduplicate per (alert id, level, recipient, sink) in Redis, queue it in the
durable outbox, and deliver the outbox to the sinks with retries.

Guarantees: a notification is queued at most once (atomic set-if-absent + enqueue in one Lua script), and
stays in Redis until a sink accepted it (acknowledged and deleted only after success). A worker that dies
mid-delivery leaves its entries pending; they are re-read on restart (same consumer name) or claimed by
another worker after ``claim_idle_seconds``. So every notification reaches its sink at least once, and a
repeat can only follow a crash or Redis outage between the sink's acceptance and the acknowledgement; it
carries the same ``Idempotency-Key`` so the receiver drops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import redis.asyncio as aioredis
from redis import exceptions as redis_errors

from supportwatch.alerts.digest import digest_alert
from supportwatch.alerts.exceptions import REDIS_DOWN, RedisUnavailable, SinkError
from supportwatch.alerts.metrics import AlertMetrics
from supportwatch.alerts.model import Alert, AlertKind, severity_rank
from supportwatch.alerts.outbox import PROMOTE_LUA, SUBMIT_LUA, TAKE_DIGESTS_LUA, Entry, snooze_scope
from supportwatch.alerts.routing import Route, Router, Skipped
from supportwatch.alerts.settings import AlertSettings
from supportwatch.alerts.sinks import Sink

log = logging.getLogger(__name__)
HELD = frozenset({"acknowledged", "snoozed", "digested"})  # outcomes of a notification held back


def _stream_rows(reply: Any) -> list[tuple[Any, Any]]:
    """Entries of a one-stream XREADGROUP reply (RESP2 list or RESP3 map)."""
    if not reply:
        return []
    streams = reply.values() if isinstance(reply, dict) else (rows for _, rows in reply)
    return [(sid, fields) for rows in streams for sid, fields in rows]


def fold(alerts: Sequence[Alert]) -> list[Alert]:
    """``alerts`` with the warnings of one clock run that come due in one batch folded into the last
    (highest) of them, in the position of the first: one notification, the latest percentage."""
    last: dict[str, int] = {}
    for index, alert in enumerate(alerts):
        if alert.kind is AlertKind.SLA_WARNING:
            last[alert.id] = index
    out: list[Alert] = []
    placed: set[str] = set()
    for alert in alerts:
        if alert.kind is not AlertKind.SLA_WARNING:
            out.append(alert)
        elif alert.id not in placed:
            placed.add(alert.id)
            out.append(alerts[last[alert.id]])
    return out


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: uniform in [d/2, d] with d = min(cap, base * 2**(attempt - 1))."""
    ceiling = min(cap, base * 2.0 ** min(max(attempt - 1, 0), 62))
    return rng.uniform(ceiling / 2, ceiling)


class AlertDelivery:
    def __init__(
        self,
        settings: AlertSettings,
        router: Router,
        redis: aioredis.Redis,
        sinks: Mapping[str, Sink],
        metrics: AlertMetrics,
        now: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._router = router
        self._redis = redis
        self._sinks = dict(sinks)
        self._metrics = metrics
        self._now = now
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._prefix = settings.redis_prefix
        self._outbox = self._prefix + "outbox"
        self._retry = self._prefix + "retry"
        self._dead = self._prefix + "dead"
        self._submit_script = redis.register_script(SUBMIT_LUA)
        self._promote_script = redis.register_script(PROMOTE_LUA)
        self._take_digests_script = redis.register_script(TAKE_DIGESTS_LUA)
        self._gates: dict[str, tuple[int, float]] = {}  # sink -> (consecutive failures, closed until)
        self._recover = True  # (re-)read this consumer's pending entries before new ones
        self._last_claim = 0.0
        self._group_ready = False
        self._unconfigured = sorted(router.config.sinks - set(self._sinks))
        if self._unconfigured:
            log.warning(
                "routing names sinks that are not configured, skipped: %s", ", ".join(self._unconfigured)
            )

    # -- submit ---------------------------------------------------------------------------------------

    async def submit(self, alert: Alert) -> None:
        """Route and queue ``alert``; idempotent. Raises RedisUnavailable when Redis is down."""
        await self.submit_many([alert])

    async def submit_many(self, alerts: Sequence[Alert]) -> None:
        """Route and queue ``alerts`` in one Redis round trip (one script call each, in order);
        idempotent. Raises RedisUnavailable when Redis is down (then none of them may be queued, or
        some: submitting them again is safe)."""
        now = self._now()
        calls: list[tuple[Alert, list[Route], list[Any], list[Skipped]]] = []
        for alert in fold(alerts):
            plan = self._router.plan(alert, now)
            routes = [route for route in plan.routes if route.sink in self._sinks]
            mode = "2" if alert.is_action else "1" if alert.is_resolved else "0"
            args: list[Any] = [self._prefix, self._settings.dedup_ttl_seconds, alert.id, mode,
                               alert.model_dump_json() if mode == "0" else "", snooze_scope(alert),
                               severity_rank(alert.severity), repr(now.timestamp())]
            for route in routes:
                delayed = route.delay_seconds > 0
                entry = Entry.of(alert, route.recipient, route.role, route.sink, now.timestamp(), delayed)
                due = now.timestamp() + route.delay_seconds if delayed else 0
                args += [entry.dedup_suffix(alert.dedup_level), entry.member, entry.encode(), repr(due),
                         repr(route.digest_seconds)]
            calls.append((alert, routes, args, [s for s in plan.skipped if s.sink in self._sinks]))
        results = await self._call(lambda: self._run_scripts([args for _, routes, args, _ in calls if routes]))
        replies = iter(results)
        for alert, routes, _, skipped in calls:
            raw = next(replies) if routes else []
            outcomes = [r.decode() if isinstance(r, bytes) else str(r) for r in raw]
            if not outcomes or any(r != "duplicate" for r in outcomes):
                self._metrics.raised.labels(alert.kind.value, alert.channel, alert.severity.value,
                                            alert.team or "").inc()
            for route, outcome in zip(routes, outcomes, strict=True):
                if outcome == "duplicate":
                    self._metrics.outcome(alert.kind, route.sink, "deduplicated")
                elif outcome in HELD:
                    self._metrics.outcome(alert.kind, route.sink, outcome)
            for skip in skipped:
                self._metrics.outcome(alert.kind, skip.sink, "suppressed")

    async def _run_scripts(self, calls: list[list[Any]]) -> list[Any]:
        if not calls:
            return []
        if len(calls) == 1:
            return [await self._submit_script(args=calls[0])]
        async with self._redis.pipeline(transaction=False) as pipe:
            for args in calls:
                await self._submit_script(args=args, client=pipe)
            return list(await pipe.execute())

    # -- drain ----------------------------------------------------------------------------------------

    async def drain(self, stop: asyncio.Event) -> None:
        """Deliver the outbox until ``stop`` is set; survives Redis outages (waits and resumes)."""
        outage = False
        while not stop.is_set():
            try:
                await self.run_once(block=True)
                if outage:
                    log.info("redis is back, delivery resumed")
                    outage = False
            except RedisUnavailable:
                if not outage:
                    log.warning("redis unavailable, delivery paused until it returns")
                    outage = True
                self._recover = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._settings.poll_seconds)

    async def run_once(self, block: bool = False) -> int:
        """One pass: move due retries into the outbox, read a batch, deliver it; returns entries handled."""
        await self._ensure_group()
        await self._promote()
        await self._flush_digests()
        batch = await self._read(block)
        if batch:
            limit = asyncio.Semaphore(self._settings.concurrency)

            async def one(stream_id: str, raw: Any) -> None:
                async with limit:
                    await self._deliver(stream_id, raw)

            results = await asyncio.gather(*(one(sid, raw) for sid, raw in batch), return_exceptions=True)
            for result in results:
                if isinstance(result, RedisUnavailable):
                    raise result
                if isinstance(result, BaseException):
                    raise result
        await self.outbox_depth()
        return len(batch)

    async def outbox_depth(self) -> int:
        """Notifications not yet delivered (queued, in flight, waiting to retry); also sets the gauge."""

        async def depth() -> int:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.xlen(self._outbox)
                pipe.zcard(self._retry)
                queued, waiting = await pipe.execute()
            return int(queued) + int(waiting)

        value = await self._call(depth)
        self._metrics.outbox_depth.set(value)
        return value

    async def dead_letters(self) -> list[Entry]:
        """Notifications a sink refused permanently (HTTP 4xx other than 408/425/429)."""
        rows = await self._call(lambda: self._redis.xrange(self._dead))
        return [Entry.decode(fields[b"n"]) for _, fields in rows]

    # -- internals ------------------------------------------------------------------------------------

    async def _call(self, make: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await make()
        except REDIS_DOWN as exc:
            self._group_ready = False
            raise RedisUnavailable(f"redis unavailable: {type(exc).__name__}") from None

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            group = self._settings.consumer_group
            await self._call(lambda: self._redis.xgroup_create(self._outbox, group, id="0", mkstream=True))
        except redis_errors.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    async def _promote(self) -> None:
        settings = self._settings
        now = repr(self._now().timestamp())
        args: list[Any] = [self._prefix, now, settings.batch_size, settings.dedup_ttl_seconds]
        _, dropped = await self._call(lambda: self._promote_script(args=args))
        for reason, raw in zip(dropped[::2], dropped[1::2], strict=True):
            entry = Entry.decode(raw)
            self._metrics.outcome(entry.kind, entry.sink, reason.decode() if isinstance(reason, bytes) else reason)

    async def _flush_digests(self) -> None:
        now = self._now()
        args: list[Any] = [self._prefix, repr(now.timestamp()), self._settings.batch_size]
        members = await self._call(lambda: self._take_digests_script(args=args))
        for raw_member in members:
            member = raw_member.decode() if isinstance(raw_member, bytes) else str(raw_member)
            key = self._prefix + "digesting:" + member
            rows: list[bytes] = await self._call(partial(self._redis.lrange, key, 0, -1))
            entries = [Entry.decode(row) for row in rows]

            async def queue(key: str = key, member: str = member, entries: list[Entry] = entries) -> None:
                async with self._redis.pipeline(transaction=True) as pipe:
                    if entries:
                        first = entries[0]
                        digest = digest_alert(first.recipient, [e.notification().alert for e in entries], now)
                        entry = Entry.of(digest, first.recipient, first.role, first.sink, now.timestamp(), False)
                        pipe.xadd(self._outbox, {"n": entry.encode()})
                    pipe.delete(key)
                    pipe.srem(self._prefix + "digesting", member)
                    await pipe.execute()

            await self._call(queue)

    async def _read(self, block: bool) -> list[tuple[str, Any]]:
        settings = self._settings
        group, consumer, count = settings.consumer_group, settings.consumer_name, settings.batch_size
        try:
            if self._recover:
                reply = await self._call(
                    lambda: self._redis.xreadgroup(group, consumer, {self._outbox: "0"}, count=count)
                )
                rows = _stream_rows(reply)
                if rows:
                    return rows
                self._recover = False
            now = self._now().timestamp()
            if now - self._last_claim >= self._settings.claim_idle_seconds / 2:
                self._last_claim = now
                idle_ms = int(self._settings.claim_idle_seconds * 1000)
                claimed = await self._call(
                    lambda: self._redis.xautoclaim(self._outbox, group, consumer, idle_ms, "0-0", count=count)
                )
                if claimed[1]:
                    return [(sid, fields) for sid, fields in claimed[1] if fields]
            block_ms = int(self._settings.poll_seconds * 1000) if block else None
            reply = await self._call(
                lambda: self._redis.xreadgroup(
                    group, consumer, {self._outbox: ">"}, count=count, block=block_ms
                )
            )
        except redis_errors.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._group_ready = False
            return []
        return _stream_rows(reply)

    async def _deliver(self, stream_id: Any, fields: Any) -> None:
        if not fields:  # deleted while pending
            await self._call(lambda: self._redis.xack(self._outbox, self._settings.consumer_group, stream_id))
            return
        entry = Entry.decode(fields[b"n"])
        sink = self._sinks.get(entry.sink)
        now = self._now().timestamp()
        failures, closed_until = self._gates.get(entry.sink, (0, 0.0))
        if sink is None:
            log.error("no sink %r for a queued notification; moved to dead letters", entry.sink)
            self._metrics.outcome(entry.kind, entry.sink, "failed")
            await self._finish(stream_id, dead=entry)
            return
        if closed_until > now:  # the sink failed recently: wait for its backoff without trying
            jitter = self._rng.uniform(0, self._settings.retry_base_seconds)
            await self._finish(stream_id, retry=(entry, closed_until + jitter))
            return
        try:
            await sink.send(entry.notification())
        except SinkError as exc:
            if not exc.retryable:
                log.error(
                    "%s refused %s/%s permanently (%s)", entry.sink, entry.kind, entry.recipient, exc.message
                )
                self._metrics.outcome(entry.kind, entry.sink, "failed")
                await self._finish(stream_id, dead=entry)
                return
            failures += 1
            delay = backoff_seconds(
                failures, self._settings.retry_base_seconds, self._settings.retry_max_seconds, self._rng
            )
            self._gates[entry.sink] = (failures, now + delay)
            if failures == 1:
                log.warning("%s failing (%s); retrying with backoff", entry.sink, exc.message)
            self._metrics.outcome(entry.kind, entry.sink, "retried")
            await self._finish(stream_id, retry=(entry.retried(), now + delay))
            return
        except Exception as exc:  # noqa: BLE001 - a notification the sink cannot even build is not retried
            log.error("%s cannot send %s/%s (%s: %s); moved to dead letters",
                      entry.sink, entry.kind, entry.recipient, type(exc).__name__, exc)
            self._metrics.outcome(entry.kind, entry.sink, "failed")
            await self._finish(stream_id, dead=entry)
            return
        if failures:
            log.info("%s delivering again", entry.sink)
        self._gates.pop(entry.sink, None)
        self._metrics.outcome(entry.kind, entry.sink, "delivered")
        latency = max(0.0, self._now().timestamp() - entry.enqueued_at)
        self._metrics.latency.labels(entry.sink).observe(latency)
        await self._finish(stream_id)

    async def _finish(
        self, stream_id: Any, retry: tuple[Entry, float] | None = None, dead: Entry | None = None
    ) -> None:
        """Acknowledge and delete a stream entry, atomically re-queueing it for retry or dead-lettering it."""

        async def run() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                if retry is not None:
                    pipe.zadd(self._retry, {retry[0].encode(): retry[1]})
                if dead is not None:
                    pipe.xadd(self._dead, {"n": dead.encode()})
                pipe.xack(self._outbox, self._settings.consumer_group, stream_id)
                pipe.xdel(self._outbox, stream_id)
                await pipe.execute()

        await self._call(run)
