"""Sinks: where a notification (one alert for one recipient) is delivered.

Every sink raises :class:`~alerts.exceptions.SinkError` when it cannot deliver; its message never
contains the sink's URL or keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TextIO
from urllib.parse import quote

import httpx

from alerts.exceptions import SinkError
from alerts.model import Alert

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
        return quote(f"{self.alert.id}/{self.alert.level}/{self.recipient}", safe="/:@%+-._~")


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
    """One line per notification, naming the kind (the embedded demo's sink)."""

    name = "log"

    def __init__(self, out: TextIO, now: Callable[[], datetime] = utc_now) -> None:
        self._out = out
        self._now = now

    async def send(self, notification: Notification) -> None:
        alert = notification.alert
        kind = alert.kind.value
        if alert.is_resolved:
            kind = f"resolved({','.join(k.value for k in alert.resolves)})"
        line = (
            f"{self._now().isoformat(timespec='seconds')} alert {kind} level={alert.level} "
            f"severity={alert.severity.value} recipient={notification.recipient} channel={alert.channel} "
            f"conversation={alert.conversation_id or '-'} {alert.summary}\n"
        )
        try:
            self._out.write(line)
            self._out.flush()
        except (OSError, ValueError) as exc:
            raise SinkError(self.name, type(exc).__name__, retryable=True) from None
