"""``supportwatch replay``: the same tracking core over a file of v1 events, in event time, with
no broker and no sleeping. Deadlines fire when event time passes them; the report and the alert
log are the contract other tools read (README, "Replay").

The customer level runs in the same pass: each conversation fact is applied to its customer as it
happens (the live worker sends it through the customers topic), so the alerts carry the same
customer context and the report gains one row per customer.

Customers are independent, so ``--workers N`` replays them in N forked processes, each owning the
customers (and the conversations without one) whose id hashes to it, and merges the results: the
same report, the same alerts in order of firing."""

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

from supportwatch.alerts import Alert
from supportwatch.customers import CustomerState, CustomerStep, CustomerTracker, tier_event
from supportwatch.events import Event, EventLimits, InvalidEvent, decode_event
from supportwatch.models.protocol import Classifier, Sentiment
from supportwatch.models.text import clean
from supportwatch.mood.signals import DetractorSignal
from supportwatch.runtime import build_runtime
from supportwatch.settings import Settings
from supportwatch.sla import DeadlineIndex
from supportwatch.sla.exceptions import DeadlineError
from supportwatch.sla.signals import Clock, ClockOutcome, SignalKind, SlaSignal
from supportwatch.tracking import ConversationRecord, Tracker, Update
from supportwatch.tracking.reading import UpdateReader, read


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
class CustomerReport:
    customer_id: str
    conversations: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    repeat_contacts: int = 0
    channel_switches: int = 0
    resolutions: int = 0
    recontacts: int = 0
    breaches_30d: int = 0
    at_risk: bool = False
    at_risk_reasons: tuple[str, ...] = ()

    def take(self, step: CustomerStep, conversation_id: str, channel: str) -> None:
        self.conversations.add(conversation_id)
        self.channels.add(channel)
        if step.repeat is not None:
            self.repeat_contacts += 1
            self.channel_switches += step.repeat.channel_switch
        self.resolutions += step.resolution is not None
        self.recontacts += len(step.recontacts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id, "conversations": len(self.conversations),
            "channels": sorted(self.channels), "repeat_contacts": self.repeat_contacts,
            "channel_switches": self.channel_switches, "breaches_30d": self.breaches_30d,
            "at_risk": self.at_risk, "at_risk_reasons": list(self.at_risk_reasons),
            "first_contact_resolutions": self.resolutions - self.recontacts,
        }


@dataclass
class ReplayResult:
    conversations: dict[str, ConversationReport] = field(default_factory=dict)
    customers: dict[str, CustomerReport] = field(default_factory=dict)
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
                "customers": [customer.to_dict() for customer in self.customers.values()],
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


class _Report(UpdateReader):
    """Replay's reader: an update's parts in the report of its conversation."""

    def __init__(self, result: ReplayResult, key: str) -> None:
        self._result = result
        self._key = key

    def dropped(self, reason: str) -> None:
        self._result.dropped[reason] += 1

    def outcome(self, outcome: ClockOutcome) -> None:
        report = self._result.conversations[self._key]
        if outcome.clock is Clock.FIRST_REPLY and report.first_reply_seconds is None:
            report.first_reply_seconds = round(outcome.elapsed_seconds, 3)
            report.first_reply_within_target = outcome.within_target

    def signal(self, signal: SlaSignal) -> None:
        report = self._result.conversations[self._key]
        if signal.kind is SignalKind.BREACH:
            report.breached.add(signal.clock.value)
        elif signal.kind is SignalKind.CRITICAL:
            report.critical.add(signal.clock.value)
        elif signal.kind is SignalKind.WARNING:
            report.warnings += 1

    def detractor(self, channel: str, team: str | None, detractor: DetractorSignal) -> None:
        report = self._result.conversations[self._key]
        report.detractor = True
        report.detractor_reasons.add(detractor.reason.value)


def replay(events: Sequence[Event], tracker: Tracker, sentiments: dict[str, Sentiment],
           end: datetime | None = None, customers: CustomerTracker | None = None) -> ReplayResult:
    """Replay ``events`` (sorted by event time) up to ``end`` (default: the last event's time);
    with ``customers``, the customer level too."""
    result = ReplayResult()
    records: dict[str, ConversationRecord] = {}
    people: dict[str, CustomerState] = {}
    deadlines: DeadlineIndex[str] = DeadlineIndex()
    ticks: Counter[str] = Counter()  # ticks per conversation since its latest event

    def take(key: str, update: Update) -> None:
        emitted = read(update, _Report(result, key))
        if update.dropped is not None or update.record is None:
            return
        records[key] = update.record
        fact = emitted.fact
        if fact is None or customers is None:
            result.alerts.extend(emitted.alerts)
        else:
            step = customers.apply(people.get(fact.customer_id), fact)
            people[fact.customer_id] = step.state
            if not step.duplicate:
                result.customers.setdefault(fact.customer_id, CustomerReport(fact.customer_id)).take(
                    step, fact.conversation_id, fact.channel)
                result.alerts.extend(step.alerts)
            if step.tier is not None:  # as the live worker sends it back to the input
                event = Event.model_validate(tier_event(fact, step.tier))
                take(key, tracker.on_event(records[key], event, None))
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
        if customers is not None:
            _close_customers(customers, people, result, last.timestamp())
    return result


def _close_customers(customers: CustomerTracker, people: dict[str, CustomerState], result: ReplayResult,
                     at: float) -> None:
    """Judge each customer's churn risk at the end (as the live worker's timer does) and fill in
    what the report says about them then."""
    for customer_id, report in result.customers.items():
        state = people[customer_id]
        if state.risk:
            result.alerts.extend(customers.reevaluate(state, at).alerts)
        report.breaches_30d = customers.context(state, at).breaches_30d
        report.at_risk, report.at_risk_reasons = bool(state.risk), state.risk


def partition_of(key: str, workers: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % workers


def owners(events: Iterable[Event]) -> dict[str, str]:
    """Each conversation's partition key: its customer id (the first its events name), else its own id."""
    out: dict[str, str] = {}
    for event in events:
        if event.customer_id is not None:
            out.setdefault(event.conversation_id, event.customer_id)
        elif event.conversation_id not in out:
            out[event.conversation_id] = event.conversation_id
    return out


# What forked replay processes read (inherited, never pickled): events, trackers, sentiments, workers, owners.
_Forked = tuple[Sequence[Event], Tracker, CustomerTracker | None, dict[str, Sentiment], int, dict[str, str]]
_FORKED: _Forked | None = None


def _replay_part(part: int) -> ReplayResult:
    assert _FORKED is not None  # noqa: S101 - set by replay_parallel before forking
    events, tracker, customers, sentiments, workers, owner = _FORKED
    mine = [e for e in events if partition_of(owner[e.conversation_id], workers) == part]
    return replay(mine, tracker, sentiments, end=events[-1].occurred_at if events else None, customers=customers)


def replay_parallel(events: Sequence[Event], tracker: Tracker, sentiments: dict[str, Sentiment],
                    workers: int, customers: CustomerTracker | None = None) -> ReplayResult:
    """:func:`replay` over ``workers`` processes, one per partition of the customers."""
    if workers <= 1:
        return replay(events, tracker, sentiments, customers=customers)
    global _FORKED
    owner = owners(events)
    _FORKED = (events, tracker, customers, sentiments, workers, owner)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(_replay_part, range(workers))
    finally:
        _FORKED = None
    merged = ReplayResult()
    for key in dict.fromkeys(e.conversation_id for e in events):  # first-seen order, as one process has it
        merged.conversations[key] = parts[partition_of(owner[key], workers)].conversations[key]
    for customer_id in dict.fromkeys(e.customer_id for e in events if e.customer_id is not None):
        found = parts[partition_of(customer_id, workers)].customers.get(customer_id)
        if found is not None:
            merged.customers[customer_id] = found
    for part in parts:
        merged.open_state.update(part.open_state)
        merged.dropped.update(part.dropped)
    merged.alerts = list(heapq.merge(*(part.alerts for part in parts), key=lambda alert: alert.fired_at))
    return merged


def run_replay(
    settings: Settings, path: Path, *, policies: Path | None, report: Path, alerts: Path | None, sentiment: bool,
    workers: int = 1, out: TextIO | None = None,
) -> int:
    """Replay ``path`` and write the report (and alert log); the summary line goes to ``out``
    (default the current stderr)."""
    if policies is not None:
        settings = settings.model_copy(update={"policy_file": policies})
    runtime = build_runtime(settings)
    invalid: Counter[str] = Counter()
    with path.open("rb") as handle:
        events = read_events(handle, settings.limits, invalid)
    sentiments = classify_all(events, runtime.classifier(), settings.model.batch_size) if sentiment else {}
    result = replay_parallel(events, runtime.tracker, sentiments, workers, customers=runtime.customer_tracker)
    result.invalid.update(invalid)
    report.write_text(json.dumps(result.report(), indent=2) + "\n", encoding="utf-8")
    if alerts is not None:
        with alerts.open("w", encoding="utf-8") as handle:
            for alert in result.alerts:
                handle.write(alert.to_json().decode("utf-8") + "\n")
    print(f"replayed {len(events)} events of {len(result.conversations)} conversations; "
          f"{len(result.alerts)} alerts; {sum(invalid.values())} invalid; report {report}", file=out or sys.stderr)
    return 0
