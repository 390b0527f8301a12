"""The on-call lead's actions on an alert: acknowledge, snooze, un-acknowledge.

State lives in Redis beside the outbox, so every worker sees an action at once and it survives
restarts: ``ack:<id>`` holds the severity rank an acknowledgement covers (the alert's rank when it
was acknowledged: a later, higher level still pages) and who did it; ``snooze:<scope>`` the rank a
snooze holds back for the conversation, until when (by the injected clock, as delivery judges it)
and who did it; the ``actions`` stream every action in order. The delivery scripts
(alerts/outbox.py) read ``ack:`` and ``snooze:``.

Each action returns the event to publish on the alerts topic: an :class:`~alerts.model.Alert` of kind
``acknowledged`` / ``snoozed`` / ``unacknowledged`` carrying the :class:`~alerts.model.Action`, which
delivery routes to the recipients that were notified of the alert.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import redis.asyncio as aioredis

from supportwatch.alerts.exceptions import REDIS_DOWN, RedisUnavailable, UnknownAlert
from supportwatch.alerts.model import Action, Alert, AlertKind, Severity, severity_rank
from supportwatch.alerts.outbox import snooze_scope
from supportwatch.alerts.settings import AlertSettings

T = TypeVar("T")
ACTIONS_KEPT = 10_000  # entries of the actions stream (approximate trim)


@dataclass(frozen=True, slots=True)
class AckState:
    """What the worklist shows of an alert: acknowledged by whom, snoozed until when."""

    acknowledged_by: str | None = None
    acknowledged_at: str | None = None
    snoozed_until: str | None = None
    snoozed_by: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {name: value for name in self.__slots__ if (value := getattr(self, name)) is not None}


class OnCall:
    def __init__(self, redis: aioredis.Redis, settings: AlertSettings, now: Callable[[], datetime]) -> None:
        self._redis = redis
        self._prefix = settings.redis_prefix
        self._ttl = settings.dedup_ttl_seconds
        self._now = now

    async def alert(self, alert_id: str) -> Alert:
        """The latest firing alert of ``alert_id``; UnknownAlert when none was raised (or it expired)."""
        raw = await self._call(self._redis.get(self._prefix + "alert:" + alert_id))
        if raw is None:
            raise UnknownAlert(alert_id)
        return Alert.from_json(raw)

    async def acknowledge(self, alert_id: str, by: str, note: str | None = None) -> Alert:
        alert = await self.alert(alert_id)
        event = self._event(alert, AlertKind.ACKNOWLEDGED, by, note)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._prefix + "ack:" + alert.id, _held(event, alert), ex=self._ttl)
            self._log(pipe, event)
            await self._call(pipe.execute())
        return event

    async def snooze(self, alert_id: str, by: str, seconds: float, note: str | None = None) -> Alert:
        """Hold back the conversation's notifications at the alert's severity and below for ``seconds``."""
        if not 0 < seconds <= self._ttl:
            raise ValueError(f"a snooze lasts more than 0 s and at most {self._ttl} s, not {seconds:g}")
        alert = await self.alert(alert_id)
        until = self._now() + timedelta(seconds=seconds)
        event = self._event(alert, AlertKind.SNOOZED, by, note, until)
        # The key outlives the snooze by a minute of wall time: expiry is judged against `until`.
        ms = round((seconds + 60) * 1000)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._prefix + "snooze:" + snooze_scope(alert), _held(event, alert), px=ms)
            self._log(pipe, event)
            await self._call(pipe.execute())
        return event

    async def unacknowledge(self, alert_id: str, by: str, note: str | None = None) -> Alert:
        """Undo an acknowledgement and any snooze of the alert's conversation."""
        alert = await self.alert(alert_id)
        event = self._event(alert, AlertKind.UNACKNOWLEDGED, by, note)
        scope = snooze_scope(alert)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._prefix + "ack:" + alert.id, self._prefix + "snooze:" + scope)
            self._log(pipe, event)
            await self._call(pipe.execute())
        return event

    async def states(self, alerts: Iterable[tuple[str, str]]) -> dict[str, AckState]:
        """``{alert id: state}`` for the ``(alert id, snooze scope)`` pairs that have one, in one round trip."""
        pairs = list(alerts)
        if not pairs:
            return {}
        keys = [self._prefix + "ack:" + alert_id for alert_id, _ in pairs]
        keys += [self._prefix + "snooze:" + scope for _, scope in pairs]
        values = await self._call(self._redis.mget(keys))
        now = self._now().timestamp()
        out: dict[str, AckState] = {}
        for (alert_id, _), acked, snoozed in zip(pairs, values[: len(pairs)], values[len(pairs):], strict=True):
            ack = json.loads(acked) if acked is not None else {}
            snooze = json.loads(snoozed) if snoozed is not None else {}
            if snooze and snooze["u"] <= now:
                snooze = {}
            if ack or snooze:
                out[alert_id] = AckState(ack.get("by"), ack.get("at"), snooze.get("until"), snooze.get("by"))
        return out

    async def history(self, alert_id: str) -> list[Action]:
        """Every recorded action on ``alert_id`` still in the actions stream, oldest first."""
        rows: Any = await self._call(self._redis.xrange(self._prefix + "actions"))
        return [Action.model_validate_json(fields[b"action"]) for _, fields in rows
                if fields[b"id"].decode() == alert_id]

    def _event(self, alert: Alert, kind: AlertKind, by: str, note: str | None,
               until: datetime | None = None) -> Alert:
        now = self._now()
        action = Action(by=by, at=now, note=note, until=until, regarding=alert.kind, regarding_level=alert.level)
        verb = {AlertKind.ACKNOWLEDGED: "Acknowledged", AlertKind.SNOOZED: "Snoozed",
                AlertKind.UNACKNOWLEDGED: "Un-acknowledged"}[kind]
        detail = f" until {until.isoformat(timespec='seconds')}" if until is not None else ""
        said = f" ({note})" if note else ""
        return alert.model_copy(update={
            "kind": kind, "level": kind.value, "severity": Severity.INFO, "resolves": (), "due_at": None,
            "fired_at": now, "action": action,
            "summary": f"{verb} by {by}{detail}{said}: {alert.summary}",
        })

    def _log(self, pipe: Any, event: Alert) -> None:
        pipe.xadd(self._prefix + "actions", {"id": event.id, "action": _action(event).model_dump_json()},
                  maxlen=ACTIONS_KEPT, approximate=True)

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except REDIS_DOWN as exc:
            raise RedisUnavailable(f"redis unavailable: {type(exc).__name__}") from None


def _action(event: Alert) -> Action:
    if event.action is None:
        raise TypeError(f"{event.kind} is not an on-call action")
    return event.action


def _held(event: Alert, alert: Alert) -> str:
    """The ack or snooze key's value: the severity rank held back (``v``), the snooze's end in unix
    seconds (``u``), and who, when, why."""
    action = _action(event)
    held = {"v": severity_rank(alert.severity), "by": action.by, "at": action.at.isoformat(), "note": action.note}
    if action.until is not None:
        held |= {"u": action.until.timestamp(), "until": action.until.isoformat()}
    return json.dumps(held, separators=(",", ":"))
