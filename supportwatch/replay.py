"""``supportwatch replay``: the same tracking core over a file of v1 events, in event time, with
no broker and no sleeping. Deadlines fire when event time passes them; the report and the alert
log are the contract other tools read (README, "Replay").

Conversations are independent, so ``--workers N`` replays them in N forked processes, each owning
the conversations whose id hashes to it (as the topic key spreads them over partitions), and
merges the results: the same report, the same alerts in order of firing."""

from __future__ import annotations

import heapq
import json
import multiprocessing
import statistics
import sys
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from alerts import Alert
from events import Event, EventLimits, InvalidEvent, decode_event
from models.protocol import Classifier, Sentiment
from models.text import clean
from sla import DeadlineIndex
from sla.exceptions import DeadlineError
from sla.signals import Clock, SignalKind
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings
from tracking import ConversationRecord, Tracker, Update


@dataclass
class ConversationReport:
    conversation_id: str
    channel: str
    first_reply_seconds: float | None = None
    breached: set[str] = field(default_factory=set)
    critical: set[str] = field(default_factory=set)
    warnings: int = 0
    detractor: bool = False
    detractor_reasons: set[str] = field(default_factory=set)
    first_reply_within_target: bool | None = None
    events: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id, "channel": self.channel,
            "first_reply_seconds": self.first_reply_seconds,
            "first_reply_within_target": self.first_reply_within_target,
            "breached": sorted(self.breached), "critical": sorted(self.critical), "warnings": self.warnings,
            "detractor": self.detractor, "detractor_reasons": sorted(self.detractor_reasons), "events": self.events,
        }


@dataclass
class ReplayResult:
    conversations: dict[str, ConversationReport] = field(default_factory=dict)
    open_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    invalid: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)

    def report(self) -> dict[str, Any]:
        rows = []
        for conversation in self.conversations.values():
            row = conversation.to_dict()
            if conversation.conversation_id in self.open_state:
                row["state"] = self.open_state[conversation.conversation_id]
            rows.append(row)
        return {"conversations": rows, "channels": _channels(self.conversations.values()),
                "invalid_events": dict(self.invalid), "dropped_events": dict(self.dropped),
                "alerts": dict(Counter(alert.kind.value for alert in self.alerts))}


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _channels(conversations: Iterable[ConversationReport]) -> dict[str, dict[str, Any]]:
    by_channel: dict[str, list[ConversationReport]] = {}
    for c in conversations:
        by_channel.setdefault(c.channel, []).append(c)
    out = {}
    for channel, rows in sorted(by_channel.items()):
        replies = [c.first_reply_seconds for c in rows if c.first_reply_seconds is not None]
        judged = [c.first_reply_within_target for c in rows if c.first_reply_within_target is not None]
        out[channel] = {
            "conversations": len(rows),
            "answered": len(replies),
            "first_reply_p50_seconds": _percentile(replies, 50),
            "first_reply_p90_seconds": _percentile(replies, 90),
            "within_target_ratio": (sum(judged) / len(judged)) if judged else None,
            "breached_conversations": sum(1 for c in rows if c.breached),
            "critical_conversations": sum(1 for c in rows if c.critical),
            "detractors": sum(1 for c in rows if c.detractor),
        }
    return out


def read_events(lines: Iterable[bytes], limits: EventLimits, invalid: Counter[str]) -> list[Event]:
    events = []
    now = datetime.now(UTC)
    for raw in lines:
        if not raw.strip():
            continue
        try:
            events.append(decode_event(raw.strip(), limits, now))
        except InvalidEvent as exc:
            invalid[exc.reason] += 1
    events.sort(key=_event_ts)
    return events


def _event_ts(event: Event) -> float:
    """Event time as epoch seconds: a total order for any valid time and offset (the UTC
    ``datetime`` of a time near year 1 or 9999 may not exist)."""
    return event.occurred_at.timestamp()


def classify_all(events: Sequence[Event], classifier: Classifier, batch: int) -> dict[str, Sentiment]:
    wanted = [e for e in events if e.is_customer_message and e.text and clean(e.text)]
    out: dict[str, Sentiment] = {}
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        for event, sentiment in zip(chunk, classifier.classify([e.text or "" for e in chunk]), strict=True):
            out[event.event_id] = sentiment
    return out


# Ticks of one conversation between two of its events: a clock cycle has a few levels, so far
# fewer are ever needed; more means a deadline that keeps coming back (an internal error).
MAX_TICKS_BETWEEN_EVENTS = 1000


def replay(events: Sequence[Event], tracker: Tracker, sentiments: dict[str, Sentiment],
           end: datetime | None = None) -> ReplayResult:
    """Replay ``events`` (sorted by event time) up to ``end`` (default: the last event's time)."""
    result = ReplayResult()
    records: dict[str, ConversationRecord] = {}
    deadlines: DeadlineIndex[str] = DeadlineIndex()
    ticks: Counter[str] = Counter()  # ticks per conversation since its latest event

    def take(key: str, update: Update) -> None:
        if update.dropped is not None:
            result.dropped[update.dropped] += 1
            return
        if update.record is None:
            return
        records[key] = update.record
        report = result.conversations[key]
        for outcome in update.outcomes:
            if outcome.clock is Clock.FIRST_REPLY and report.first_reply_seconds is None:
                report.first_reply_seconds = round(outcome.elapsed_seconds, 3)
                report.first_reply_within_target = outcome.within_target
        for signal in update.signals:
            if signal.kind is SignalKind.BREACH:
                report.breached.add(signal.clock.value)
            elif signal.kind is SignalKind.CRITICAL:
                report.critical.add(signal.clock.value)
            elif signal.kind is SignalKind.WARNING:
                report.warnings += 1
        for detractor in update.detractors:
            report.detractor = True
            report.detractor_reasons.add(detractor.reason.value)
        result.alerts.extend(update.alerts)
        if update.next_due_ts is None:
            deadlines.discard(key)
        else:
            deadlines.set(key, update.next_due_ts)

    def advance_to(at_ts: float) -> None:
        """Fire every deadline up to ``at_ts`` at its own due time, earliest first.

        Each tick must move its conversation's deadline past the tick's time (the engine's
        contract), so every round of the loop starts at a later time than the one before and the
        loop ends once the due levels, finitely many per clock cycle, have fired; a deadline that
        does not move is an internal error, raised rather than ticked again."""
        while (due := deadlines.peek()) is not None and due <= at_ts:
            for key in deadlines.pop_due(due):
                update = tracker.on_tick(records[key], due)
                ticks[key] += 1
                if (update.next_due_ts is not None and update.next_due_ts <= due) or (
                        ticks[key] > MAX_TICKS_BETWEEN_EVENTS):
                    raise DeadlineError(f"conversation {key!r}: tick {ticks[key]} at {due!r} left it due at "
                                        f"{update.next_due_ts!r}; replay would not progress")
                take(key, update)

    last: datetime | None = None
    for event in events:
        advance_to(event.occurred_at.timestamp())
        key = event.conversation_id
        ticks.pop(key, None)
        result.conversations.setdefault(key, ConversationReport(key, event.channel.value))
        result.conversations[key].events += 1
        take(key, tracker.on_event(records.get(key), event, sentiments.get(event.event_id)))
        last = event.occurred_at
    last = end or last
    if last is not None:
        advance_to(last.timestamp())
        for key, record in records.items():
            if not record.sla.finished:
                result.open_state[key] = tracker.describe(record, last)
    return result


def partition_of(conversation_id: str, workers: int) -> int:
    return zlib.crc32(conversation_id.encode("utf-8")) % workers


# What forked replay processes read (inherited, never pickled): events, tracker, sentiments, workers.
_FORKED: tuple[Sequence[Event], Tracker, dict[str, Sentiment], int] | None = None


def _replay_part(part: int) -> ReplayResult:
    assert _FORKED is not None  # noqa: S101 - set by replay_parallel before forking
    events, tracker, sentiments, workers = _FORKED
    mine = [e for e in events if partition_of(e.conversation_id, workers) == part]
    return replay(mine, tracker, sentiments, end=events[-1].occurred_at if events else None)


def replay_parallel(events: Sequence[Event], tracker: Tracker, sentiments: dict[str, Sentiment],
                    workers: int) -> ReplayResult:
    """:func:`replay` over ``workers`` processes, one per partition of the conversations."""
    if workers <= 1:
        return replay(events, tracker, sentiments)
    global _FORKED
    _FORKED = (events, tracker, sentiments, workers)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_replay_part, range(workers))
    finally:
        _FORKED = None
    merged = ReplayResult()
    for key in dict.fromkeys(e.conversation_id for e in events):  # first-seen order, as one process has it
        merged.conversations[key] = parts[partition_of(key, workers)].conversations[key]
    for part in parts:
        merged.open_state.update(part.open_state)
        merged.dropped.update(part.dropped)
    merged.alerts = list(heapq.merge(*(part.alerts for part in parts), key=lambda alert: alert.fired_at))
    return merged


def run_replay(
    settings: Settings, path: Path, *, policies: Path | None, report: Path, alerts: Path | None, sentiment: bool,
    workers: int = 1, out: TextIO = sys.stderr,
) -> int:
    if policies is not None:
        settings = settings.model_copy(update={"policy_file": policies})
    runtime = build_runtime(settings)
    invalid: Counter[str] = Counter()
    with path.open("rb") as handle:
        events = read_events(handle, settings.limits, invalid)
    sentiments = classify_all(events, runtime.classifier(), settings.model.batch_size) if sentiment else {}
    result = replay_parallel(events, runtime.tracker, sentiments, workers)
    result.invalid.update(invalid)
    report.write_text(json.dumps(result.report(), indent=2) + "\n", encoding="utf-8")
    if alerts is not None:
        with alerts.open("w", encoding="utf-8") as handle:
            for alert in result.alerts:
                handle.write(alert.to_json().decode("utf-8") + "\n")
    print(f"replayed {len(events)} events of {len(result.conversations)} conversations; "
          f"{len(result.alerts)} alerts; {sum(invalid.values())} invalid; report {report}", file=out)
    return 0
