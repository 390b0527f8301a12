"""Errors of the alerts package."""

from __future__ import annotations

from redis import exceptions as redis_errors

from supportwatch.base.exceptions import SupportwatchError

# What a Redis call raises when the server cannot be reached: callers turn it into RedisUnavailable.
REDIS_DOWN = (redis_errors.ConnectionError, redis_errors.TimeoutError, OSError)


class AlertsError(SupportwatchError):
    """Base of every error the alerts package raises on purpose."""


class RedisUnavailable(AlertsError):
    """Redis could not be reached: the caller keeps the alert (on the alerts topic) and retries later."""


class SinkError(AlertsError):
    """A sink did not accept a notification.

    ``retryable`` is true for transient failures (connection refused, timeout, HTTP 429/5xx): the
    notification goes back to the outbox with backoff. A permanent failure (other HTTP 4xx) moves it
    to the dead-letter stream. ``message`` never contains a secret (no webhook URL, no key).
    """

    def __init__(self, sink: str, message: str, *, retryable: bool) -> None:
        self.sink = sink
        self.message = message
        self.retryable = retryable
        super().__init__(f"{sink}: {message}")


class RoutingError(AlertsError):
    """The routing configuration does not fit the calendars or sinks it is used with."""


class UnknownAlert(AlertsError, KeyError):
    """No firing alert has this id (never raised, or older than the dedup TTL): nothing to act on."""

    def __init__(self, alert_id: str) -> None:
        self.alert_id = alert_id
        super().__init__(f"no alert {alert_id!r}")

    def __str__(self) -> str:
        return f"no alert {self.alert_id!r}"
