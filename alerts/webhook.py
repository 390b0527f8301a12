"""Slack-compatible incoming webhook and a generic JSON webhook signed with HMAC-SHA256.

The generic webhook sends ``X-Supportwatch-Signature: t=<unix seconds>,v1=<hex>`` where ``v1`` is
HMAC-SHA256(secret, "<t>." + body), as Stripe does; :func:`verify_signature` checks it on the receiving
side, with a tolerance against replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime

import httpx
from pydantic import SecretStr

from supportwatch.alerts.model import AlertKind
from supportwatch.alerts.sinks import IDEMPOTENCY_HEADER, Notification, post, utc_now

SIGNATURE_HEADER = "X-Supportwatch-Signature"
_SLACK_ICONS = {
    AlertKind.RESOLVED: ":white_check_mark:",
    AlertKind.ACKNOWLEDGED: ":eyes:",
    AlertKind.SNOOZED: ":zzz:",
    AlertKind.UNACKNOWLEDGED: ":leftwards_arrow_with_hook:",
}


def sign(secret: SecretStr, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.get_secret_value().encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: SecretStr, header: str, body: bytes, now: datetime, tolerance_seconds: float = 300.0
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and its timestamp is within the tolerance."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


class WebhookSink:
    name = "webhook"

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: SecretStr,
        secret: SecretStr | None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._http = http
        self._url = url
        self._secret = secret
        self._now = now

    async def send(self, notification: Notification) -> None:
        key = notification.idempotency_key
        payload = {
            "idempotency_key": key,
            "recipient": notification.recipient,
            "role": notification.role,
            "alert": notification.alert.model_dump(mode="json"),
        }
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: key}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret, body, int(self._now().timestamp()))
        await post(self._http, self.name, self._url.get_secret_value(), body, headers)


class SlackSink:
    name = "slack"

    def __init__(self, http: httpx.AsyncClient, url: SecretStr) -> None:
        self._http = http
        self._url = url

    async def send(self, notification: Notification) -> None:
        alert = notification.alert
        icon = _SLACK_ICONS.get(alert.kind, ":rotating_light:")
        text = f"{icon} *{alert.kind.value}* ({notification.recipient}) {alert.summary}"
        if alert.link:
            text += f" <{alert.link}|open>"
        if alert.customer_id is not None:
            text += f"\n:bust_in_silhouette: customer {alert.customer_id}"
            if alert.customer is not None:
                text += f": {alert.customer.line()}"
        body = json.dumps({"text": text}).encode("utf-8")
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: notification.idempotency_key}
        await post(self._http, self.name, self._url.get_secret_value(), body, headers)
