"""Sinks: where a notification (one alert for one recipient) is delivered.

Every sink raises :class:`~alerts.exceptions.SinkError` when it cannot deliver; its message never
contains the sink's URL or keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TextIO
from urllib.parse import quote

import httpx

from supportwatch.alerts.exceptions import SinkError
from supportwatch.alerts.model import Alert

IDEMPOTENCY_HEADER = "Idempotency-Key"
_RETRYABLE_STATUS = frozenset({408, 425, 429})


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Notification:
    alert: Alert
    recipient: str
    role: str

    @property
    def idempotency_key(self) -> str:
        """Same alert id, level and recipient, same key: a receiver drops a repeat it already has.
        Percent-encoded (UTF-8), so that any agent id or team name makes a valid HTTP header value."""
        return quote(f"{self.alert.id}/{self.alert.dedup_level}/{self.recipient}", safe="/:@%+-._~")


class Sink(Protocol):
    name: str

    async def send(self, notification: Notification) -> None: ...


async def post(http: httpx.AsyncClient, sink: str, url: str, body: bytes, headers: Mapping[str, str]) -> None:
    """POST ``body``; transport errors, 408/425/429 and 5xx are retryable, other non-2xx are not."""
    try:
        response = await http.post(url, content=body, headers=dict(headers))
    except httpx.HTTPError as exc:
        raise SinkError(sink, type(exc).__name__, retryable=True) from None
    status = response.status_code
    if 200 <= status < 300:
        return
    raise SinkError(sink, f"HTTP {status}", retryable=status >= 500 or status in _RETRYABLE_STATUS)


class LogSink:
    """One line per notification, naming the kind (the embedded demo's sink).

    With ``group_seconds`` > 0 the notifications of one alert level that arrive within that window
    (delivery sends an alert's recipients together) share one line, ``recipients=a,b``; each send
    returns once its line is written. Levels whose name (before any ``:``) is in ``quiet_levels``
    are not printed.
    """

    name = "log"

    def __init__(
        self,
        out: TextIO,
        now: Callable[[], datetime] = utc_now,
        group_seconds: float = 0.0,
        quiet_levels: Collection[str] = (),
    ) -> None:
        self._out = out
        self._now = now
        self._group_seconds = group_seconds
        self._quiet = frozenset(quiet_levels)
        self._pending: dict[tuple[str, str], tuple[list[str], asyncio.Future[None]]] = {}

    async def send(self, notification: Notification) -> None:
        alert = notification.alert
        if alert.level.split(":", 1)[0] in self._quiet:
            return
        if self._group_seconds <= 0:
            self._write(alert, f"recipient={notification.recipient}")
            return
        key = (alert.id, alert.dedup_level)
        joined = self._pending.get(key)
        if joined is not None:
            joined[0].append(notification.recipient)
            await asyncio.shield(joined[1])
            return
        recipients: list[str] = [notification.recipient]
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[key] = (recipients, written)
        try:
            await asyncio.sleep(self._group_seconds)
        finally:
            del self._pending[key]
        label = "recipient" if len(recipients) == 1 else "recipients"
        try:
            self._write(alert, f"{label}={','.join(recipients)}")
        except SinkError as exc:
            written.set_exception(exc)
            raise
        written.set_result(None)

    def _write(self, alert: Alert, recipients: str) -> None:
        kind = alert.kind.value
        if alert.is_resolved:
            kind = f"resolved({','.join(k.value for k in alert.resolves)})"
        elif alert.action is not None:
            kind = f"{kind}({alert.action.regarding.value})"
        line = (
            f"{self._now().isoformat(timespec='seconds')} alert {kind} level={alert.level} "
            f"severity={alert.severity.value} {recipients} channel={alert.channel} "
            f"conversation={alert.conversation_id or '-'} {alert.summary}"
        )
        if alert.customer is not None:
            line += f" [customer {alert.customer_id}: {alert.customer.line()}]"
        line += "\n"
        try:
            self._out.write(line)
            self._out.flush()
        except (OSError, ValueError) as exc:
            raise SinkError(self.name, type(exc).__name__, retryable=True) from None
