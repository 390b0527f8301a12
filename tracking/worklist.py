"""The on-call worklist: open conversations whose next SLA target falls within a horizon, sorted by
time left (overdue first). Pure: built from a worker's :class:`OpenConversations`, merged across
workers by whoever asks."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from supportwatch.alerts.model import render_link, stable_id
from supportwatch.tracking.open_index import OpenConversations

NEAR_SHARE = 0.5  # "near": less than half the target left (the default policies warn at 50%)


@dataclass(frozen=True, slots=True)
class Filters:
    horizon_seconds: float = 3600.0
    channel: str | None = None
    team: str | None = None
    limit: int = 500


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def local_items(open_conversations: OpenConversations, now_ts: float, filters: Filters) -> list[dict[str, Any]]:
    """This worker's entries due within the horizon (overdue included), soonest first, as JSON-able dicts."""
    until = now_ts + filters.horizon_seconds
    due = (
        (entry.deadline.target_ts, conversation_id, entry)
        for conversation_id, entry in open_conversations.items()
        if entry.deadline is not None and entry.deadline.target_ts <= until
        and (filters.channel is None or entry.channel == filters.channel)
        and (filters.team is None or entry.team == filters.team)
    )
    items = []
    for target_ts, conversation_id, entry in heapq.nsmallest(filters.limit, due, key=lambda t: (t[0], t[1])):
        deadline = entry.deadline
        if deadline is None:
            continue
        left = target_ts - now_ts
        state = "overdue" if left < 0 else "near" if left <= NEAR_SHARE * deadline.target_seconds else "fine"
        items.append({
            "conversation_id": conversation_id,
            "alert_id": stable_id("sla", conversation_id, deadline.clock, str(deadline.cycle)),
            "channel": entry.channel,
            "team": entry.team or None,
            "priority": entry.priority,
            "clock": deadline.clock,
            "due_at": _iso(target_ts),
            "critical_at": _iso(deadline.critical_ts),
            "seconds_left": round(left, 1),
            "state": state,
            "agent_id": entry.agent_id,
            "mood": round(entry.mood, 3) if entry.mood is not None else None,
        })
    return items


def merge(lists: Iterable[list[dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    """Worklists of several workers (each sorted) as one, soonest first; a conversation listed twice
    (during a rebalance) appears once."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for item in heapq.merge(*lists, key=lambda i: (i["seconds_left"], i["conversation_id"])):
        if item["conversation_id"] in seen:
            continue
        seen.add(item["conversation_id"])
        out.append(item)
        if len(out) >= limit:
            break
    return out


def with_states(items: list[dict[str, Any]], states: Mapping[str, Mapping[str, str]],
                link_template: str | None) -> list[dict[str, Any]]:
    """Each item with its ack state (``{}`` when none) and the helpdesk link."""
    out = []
    for item in items:
        link = render_link(link_template, item["conversation_id"], item["channel"]) if link_template else None
        out.append(item | {"ack": dict(states.get(item["alert_id"], {})), "link": link})
    return out
