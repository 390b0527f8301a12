"""A digest: the SLA warnings a recipient collected over its digest window, as one alert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from supportwatch.alerts.model import SEVERITY_OF, Alert, AlertKind, iso, stable_id

SHOWN = 20  # warnings listed in a digest's summary; the rest are counted


def digest_alert(recipient: str, warnings: Sequence[Alert], now: datetime) -> Alert:
    """One ``digest`` alert listing ``warnings`` (oldest first), named by recipient and time."""
    channels = sorted({w.channel for w in warnings})
    lines = [f"{w.level} {w.clock or ''} {w.channel} {w.conversation_id or '-'}".replace("  ", " ")
             + (f" due {iso(w.due_at)}" if w.due_at else "") for w in warnings[:SHOWN]]
    more = f"; and {len(warnings) - SHOWN} more" if len(warnings) > SHOWN else ""
    return Alert(
        id=stable_id("digest", recipient, now.isoformat()),
        kind=AlertKind.DIGEST,
        level="digest",
        severity=SEVERITY_OF[AlertKind.DIGEST],
        channel=channels[0] if len(channels) == 1 else ",".join(channels),
        fired_at=now,
        summary=f"{len(warnings)} SLA warning(s): " + "; ".join(lines) + more,
    )
