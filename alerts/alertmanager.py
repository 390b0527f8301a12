"""Alertmanager sink (API v2 ``POST /api/v2/alerts``).

One Alertmanager alert per (alert kind, alert id, recipient): ``alertname`` is the kind, so an
``sla_breach`` can inhibit the ``sla_warning`` with the same ``alert_id`` and ``recipient``. A firing
alert is sent with ``endsAt`` = now + ``ttl`` (it is sent once, not re-sent like Prometheus does); a
resolved update re-sends each kind it ends with the same labels and ``endsAt`` in the past, which clears it;
an on-call action re-sends the acted-on alert with the action in its annotations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from supportwatch.alerts.model import SEVERITY_OF, Alert, AlertKind
from supportwatch.alerts.sinks import IDEMPOTENCY_HEADER, Notification, post, utc_now


def _labels(alert: Alert, kind: AlertKind, notification: Notification) -> dict[str, str]:
    labels = {
        "alertname": kind.value,
        "alert_id": alert.id,
        "severity": SEVERITY_OF[kind].value,
        "channel": alert.channel,
        "recipient": notification.recipient,
        "role": notification.role,
    }
    optional = {"team": alert.team, "priority": alert.priority, "clock": alert.clock}
    labels.update({name: value for name, value in optional.items() if value})
    return labels


def _rfc3339(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


class AlertmanagerSink:
    name = "alertmanager"

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        ttl_seconds: float = 86_400.0,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._http = http
        self._url = base_url.rstrip("/") + "/api/v2/alerts"
        self._ttl = timedelta(seconds=ttl_seconds)
        self._now = now

    def payload(self, notification: Notification) -> list[dict[str, object]]:
        alert = notification.alert
        now = self._now()
        annotations = {
            "summary": alert.summary,
            "level": alert.level,
            "idempotency_key": notification.idempotency_key,
        }
        if alert.conversation_id:
            annotations["conversation_id"] = alert.conversation_id
        if alert.link:
            annotations["link"] = alert.link
        if alert.customer_id:
            annotations["customer_id"] = alert.customer_id
        if alert.customer is not None:
            annotations["customer_summary"] = alert.customer.line()
        if alert.reasons:
            annotations["reasons"] = ", ".join(alert.reasons)
        if alert.channel_switch is not None:
            annotations["channel_switch"] = f"{alert.from_channel} -> {alert.channel}" if alert.channel_switch else "no"
        if alert.action is not None:
            return [self._action_update(notification, annotations, now)]
        if alert.is_resolved:
            ended = min(alert.fired_at, now)
            return [
                {
                    "labels": _labels(alert, kind, notification),
                    "annotations": annotations,
                    "startsAt": _rfc3339(ended),
                    "endsAt": _rfc3339(ended),
                    **({"generatorURL": alert.link} if alert.link else {}),
                }
                for kind in alert.resolves
            ]
        return [
            {
                "labels": _labels(alert, alert.kind, notification),
                "annotations": annotations,
                "startsAt": _rfc3339(alert.fired_at),
                "endsAt": _rfc3339(max(alert.fired_at, now) + self._ttl),
                **({"generatorURL": alert.link} if alert.link else {}),
            }
        ]

    def _action_update(self, notification: Notification, annotations: dict[str, str], now: datetime
                       ) -> dict[str, object]:
        """The acted-on alert again (same labels, still firing) with the action as annotations:
        ``acknowledged_by`` / ``snoozed_by`` and ``snoozed_until``, ``action_note``; an un-acknowledge
        sends it without them, which clears them."""
        alert = notification.alert
        action = alert.action
        if action is None:
            raise TypeError("not an on-call action")
        annotations = annotations | {"level": action.regarding_level, "summary": alert.summary}
        if alert.kind is AlertKind.ACKNOWLEDGED:
            annotations["acknowledged_by"] = action.by
        elif alert.kind is AlertKind.SNOOZED and action.until is not None:
            annotations["snoozed_by"] = action.by
            annotations["snoozed_until"] = _rfc3339(action.until)
        if action.note and alert.kind is not AlertKind.UNACKNOWLEDGED:
            annotations["action_note"] = action.note
        return {
            "labels": _labels(alert, action.regarding, notification),
            "annotations": annotations,
            "startsAt": _rfc3339(alert.fired_at),
            "endsAt": _rfc3339(max(alert.fired_at, now) + self._ttl),
            **({"generatorURL": alert.link} if alert.link else {}),
        }

    async def send(self, notification: Notification) -> None:
        body = json.dumps(self.payload(notification)).encode("utf-8")
        headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: notification.idempotency_key}
        await post(self._http, self.name, self._url, body, headers)
