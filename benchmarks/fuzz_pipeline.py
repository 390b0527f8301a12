"""Pipeline fuzz: structured mutations of valid events through every stage after the edge.

    python benchmarks/fuzz_pipeline.py --cases 100000 [--seed N] [--sentiment]

Valid events come from the simulator (``supportwatch.simulator``), in event-time order; most cases
get one to three mutations (huge integers, deep nesting, lone surrogates, extreme and odd
timestamps, wrong types, huge strings, NaN/Infinity, Unicode oddities, a repeated event id with
another timestamp, unknown extra fields, broken bytes), the rest go through as sent so that the
conversations progress and alerts fire. Each case runs, as a worker would:

  decode      events.decode_event against the default EventLimits, the receiver's clock a little
              after the event's time; a refusal is encoded as its dead letter (``DeadLetter.to_json``)
  classify    models.text.clean + a classifier: by default a deterministic keyword classifier (this
              fuzzes the pipeline, not the model); ``--sentiment`` loads the shipped model
  event_json  the accepted event with its sentiment as UTF-8 JSON (< 1,000,000 bytes), read back equal
  track       Tracker.on_event; first, conversations due by the receiver's clock get Tracker.on_tick
  table       the conversation record as its changelog JSON (< 1,000,000 bytes, no NaN) and back
  alert       Alert.to_json and Alert.from_json (equal)
  delivery    routing, the Alertmanager payload, the Slack and signed webhook bodies, the log line

It prints cases, accepted, dead letters by reason, crashes by stage and exception type (one
example each), the slowest cases in CPU time (a case includes the ticks and deliveries it set off)
and cases/s. Exit status 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import io
import itertools
import json
import random
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

from supportwatch.alerts import (
    Alert,
    AlertmanagerSink,
    LogSink,
    Notification,
    Router,
    SlackSink,
    WebhookSink,
    verify_signature,
)
from supportwatch.events import DeadLetter, Event, EventLimits, InvalidEvent, decode_event
from supportwatch.models.protocol import LABELS, Classifier, Sentiment
from supportwatch.models.text import clean
from supportwatch.runtime import Runtime, build_runtime
from supportwatch.settings import Settings
from supportwatch.simulator import Simulator, SimulatorConfig
from supportwatch.tracking import ConversationRecord, Update

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
KAFKA_MAX_RECORD = 1_000_000
SECRET = SecretStr("fuzz-secret")
STRING_FIELDS = ("event_id", "conversation_id", "text", "team", "agent_id", "customer_id")
FIELDS = (*STRING_FIELDS, "occurred_at", "channel", "type", "author", "status", "survey", "priority")
# Unicode oddities; the last one is 2,000 levels of escaped escapes for models.text.clean to undo.
ODD_TEXT = ("\u202e\u200b\ufeff", "e\u0301\u0301\u0301", "\U0001f4a9" * 3, "\x00\x07\x1b", "\\u00e9\\ud800",
            "\\\\u0041\\u005cu0041", "ǅ ﬁ Ⅻ", "\u0644\u0627", "  ", "\u2028\u2029", "\ufffd",
            "\\u005c" + "u005c" * 2000 + "u0041")  # fmt: skip
ODD_STAMPS = ("0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2000-01-01T00:00:00Z",
              "1999-12-31T23:59:59Z", "2026-03-02T09:15:00", "2026-02-30T10:00:00Z", "2026-03-02T23:59:60Z",
              "2026-03-02t09:15:00.123456789z", "2026-03-02 09:15:00+23:59", "1772442900", "-0", "",
              "yesterday")  # fmt: skip
_NOT_IN_HEADER = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # what h11 refuses in a header value
TAILS = ("NaN", "Infinity", "-Infinity", "1e999", "-1e999", "-0", "1e-400", "[]", "{}")


class KeywordClassifier:
    """A deterministic :class:`~models.protocol.Classifier`: negative and positive words decide."""

    NEGATIVE = ("angry", "late", "nobody", "worst", "cancel", "refund", "terrible", "still", "again")
    POSITIVE = ("thank", "great", "perfect", "love", "solved", "works")

    def classify(self, texts: Sequence[str]) -> list[Sentiment]:
        out = []
        for text in texts:
            lower = text.lower()
            neg, pos = sum(w in lower for w in self.NEGATIVE), sum(w in lower for w in self.POSITIVE)
            label = "negative" if neg > pos else "positive" if pos > neg else "neutral"
            out.append(Sentiment.from_probs({k: 0.8 if k == label else 0.1 for k in LABELS}))
        return out


def _splice(body: dict[str, Any], name: str, literal: str) -> str:
    """``body`` as JSON with ``"name": literal`` added as raw text (what json.dumps cannot write)."""
    text = json.dumps(body)
    return text[:-1] + (", " if len(text) > 2 else "") + f"{json.dumps(name)}: {literal}}}"


def _nested(rng: random.Random, depth: int) -> str:
    return "[" * depth + "1" + "]" * depth if rng.random() < 0.5 else '{"a": ' * depth + "1" + "}" * depth


def _at(body: dict[str, Any]) -> datetime:
    """The body's time, or START when an earlier mutation broke it or moved it far."""
    try:
        at = datetime.fromisoformat(body["occurred_at"])
    except (KeyError, TypeError, ValueError):
        return START
    return at if 1970 < at.year < 2100 else START


def _any_value(rng: random.Random) -> Any:
    return rng.choice([None, True, False, 0, -1, 2**63, 10**300, 1.5, -0.0, "", "x" * rng.randint(1, 300),
                       [1, "a", None], {"k": {"v": [1.5]}}, rng.choice(ODD_TEXT)])  # fmt: skip


def mutate(
    rng: random.Random, body: dict[str, Any], kind: str, recent: Sequence[dict[str, Any]]
) -> dict[str, Any] | str:
    """One structured mutation of ``body`` (a copy): a new body, or raw JSON text."""
    body = dict(body)
    name = rng.choice(FIELDS)
    if kind == "huge_int":
        return _splice(body, rng.choice(("n", "score", name)), "9" * rng.choice((4299, 4300, 4301, 5000)))
    if kind == "deep":
        return _splice(body, rng.choice(("meta", name)), _nested(rng, rng.choice((7, 8, 9, 50, 999, 1000, 5000))))
    if kind == "nonfinite":
        return _splice(body, rng.choice(("x", name)), rng.choice(TAILS))
    if kind == "surrogate":
        target = rng.choice((*STRING_FIELDS, "text", "text", "extra", "key"))
        lone = rng.choice(("\ud800", "\udfff", "\ud83d", "\ude00"))
        if target == "key":
            body[f"k{lone}"] = 1
        elif target == "extra":
            body["meta"] = {"note": f"a{lone}b"}
        else:
            body[target] = f"{body.get(target) or ''}{lone}"
    elif kind == "timestamp":
        at = _at(body)
        body["occurred_at"] = rng.choice([rng.choice(ODD_STAMPS), rng.uniform(-1e10, 1e10), 0, None,
                                          (at + timedelta(days=rng.choice((-9000, -1, 1, 2, 400)))).isoformat(),
                                          (at + timedelta(seconds=rng.uniform(-1e9, 1e9))).isoformat()])  # fmt: skip
    elif kind == "wrong_type":
        body[name] = _any_value(rng)
    elif kind == "huge_string":
        size = rng.choice((255, 256, 257, 16_384, 16_385, 60_000))
        body[rng.choice((*STRING_FIELDS, "meta"))] = rng.choice("xé😀") * size
    elif kind == "unicode":
        body[rng.choice(STRING_FIELDS)] = rng.choice(ODD_TEXT) + str(body.get("text") or "")[:20]
    elif kind == "duplicate" and recent:
        body = dict(rng.choice(recent))
        at = _at(body) + timedelta(seconds=rng.uniform(-7200, 7200))
        body["occurred_at"] = at.isoformat()
        if rng.random() < 0.5:
            body |= {"type": "status", "status": rng.choice(("solved", "open", "on_hold"))}
    elif kind == "extra_fields":
        for _ in range(rng.randint(1, 4)):
            body[rng.choice(("locale", "sla_tier", "meta", "x" * rng.randint(1, 50)))] = _any_value(rng)
    elif kind == "survey":
        score = rng.choice(["5", True, 11, -1, 4.9999, 0, None, 1e308])
        body |= {"type": "survey", "survey": {"kind": rng.choice(("csat", "nps", "ces", "xyz")), "score": score}}
    elif kind == "drop":
        body.pop(name, None)
    elif kind == "enum":
        body[rng.choice(("channel", "type", "author", "status", "priority"))] = rng.choice(("CHAT", " chat", "fax", ""))
    return body


MUTATIONS = ("huge_int", "deep", "nonfinite", "surrogate", "timestamp", "wrong_type", "huge_string", "unicode",
             "duplicate", "extra_fields", "survey", "drop", "enum", "bytes")  # fmt: skip


def to_wire(rng: random.Random, value: dict[str, Any] | str, broken: bool) -> bytes | str:
    """The message as it arrives: UTF-8 bytes (surrogates escaped or passed through), a str, or
    broken bytes (cut, one byte flipped, latin-1)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.05:
        return text
    data = text.encode("utf-8", "surrogatepass")
    if broken:
        at = rng.randrange(len(data))
        choice = rng.randrange(3)
        if choice == 0:
            return data[:at]
        if choice == 1:
            return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        return text.encode("latin-1", "replace")
    return data


class Crash(Exception):
    """A stage's result broke a rule (a record too large, a round trip that changed the value)."""


@dataclass
class Report:
    cases: int = 0
    accepted: int = 0
    dead_letters: Counter[str] = field(default_factory=Counter)
    crashes: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)
    alerts: int = 0
    slowest: list[tuple[float, str]] = field(default_factory=list)


@dataclass
class Case:
    wire: bytes | str
    now: datetime
    mutations: tuple[str, ...]


class Pipeline:
    def __init__(self, runtime: Runtime, classifier: Classifier, limits: EventLimits) -> None:
        self.tracker, self.classifier, self.limits = runtime.tracker, classifier, limits
        self.router = Router(runtime.config.routing, runtime.config.policies.calendars)
        self.records: dict[str, ConversationRecord] = {}
        self.due: list[tuple[float, str]] = []
        self.report = Report()
        self._stage = "decode"
        self._loop = asyncio.new_event_loop()
        self._http = httpx.AsyncClient(transport=httpx.MockTransport(self._receive))
        self._fixed_now = START
        self._alertmanager = AlertmanagerSink(self._http, "http://alertmanager.invalid", now=lambda: self._fixed_now)
        self._sinks = (SlackSink(self._http, SecretStr("http://slack.invalid/hook")),
                       WebhookSink(self._http, SecretStr("http://hook.invalid/"), SECRET, now=lambda: self._fixed_now),
                       LogSink(io.StringIO(), now=lambda: self._fixed_now))  # fmt: skip

    def _receive(self, request: httpx.Request) -> httpx.Response:
        """The receiving end: a JSON body, header values a real HTTP/1.1 transport (h11) accepts."""
        json.loads(request.content)
        for name, value in request.headers.raw:
            if _NOT_IN_HEADER.search(value):
                raise Crash(f"{name.decode()} header value {value[:80]!r} is not valid HTTP/1.1")
        signature = request.headers.get("X-Supportwatch-Signature")
        if signature is not None and not verify_signature(SECRET, signature, request.content, self._fixed_now):
            raise Crash("webhook signature does not verify")
        return httpx.Response(200)

    def close(self) -> None:
        self._loop.run_until_complete(self._http.aclose())
        self._loop.close()

    def run(self, case: Case) -> None:
        started = time.process_time()
        self.report.cases += 1
        try:
            self._stage = "track"
            self._tick_until(case.now.timestamp())
            self._stage = "decode"
            try:
                event = decode_event(case.wire, self.limits, case.now)
            except InvalidEvent as exc:
                self.report.dead_letters[exc.reason] += 1
                self._stage = "deadletter"
                original = case.wire if isinstance(case.wire, bytes) else case.wire.encode("utf-8", "surrogatepass")
                DeadLetter(exc.reason, exc.detail, original, case.now, "supportwatch.events", 0, 0).to_json()
                return
            self.report.accepted += 1
            self._stage = "classify"
            sentiment = None
            if event.is_customer_message and event.text and clean(event.text):
                sentiment = self.classifier.classify([event.text])[0]
            self._stage = "event_json"
            event = self._round_trip(event, sentiment)
            self._stage = "track"
            self._apply(event.conversation_id, self.tracker.on_event(self.records.get(event.conversation_id), event,
                                                                       sentiment))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - counting every crash is the point
            key = (self._stage, type(exc).__name__)
            self.report.crashes[key] += 1
            example = f"{exc!r}"[:300] + f" | mutations={case.mutations} | now={case.now.isoformat()}"
            self.report.examples.setdefault(key, example + f" | input={case.wire[:300]!r}")
        finally:
            elapsed = time.process_time() - started
            heapq.heappush(self.report.slowest, (elapsed, f"{case.mutations} {case.wire[:160]!r}"))
            if len(self.report.slowest) > 5:
                heapq.heappop(self.report.slowest)

    def _round_trip(self, event: Event, sentiment: Sentiment | None) -> Event:
        body = {"event": event.model_dump(mode="json"), "sentiment": sentiment.to_dict() if sentiment else None}
        record = json.dumps(body, ensure_ascii=False).encode("utf-8")
        if len(record) >= KAFKA_MAX_RECORD:
            raise Crash(f"an event record of {len(record)} bytes")
        again = Event.model_validate(json.loads(record)["event"])
        if again != event:
            raise Crash("the event changed on its way through JSON")
        return again

    def _tick_until(self, ts: float) -> None:
        while self.due and self.due[0][0] <= ts:
            due_ts, key = heapq.heappop(self.due)
            record = self.records.get(key)
            if record is not None and self.tracker.next_due_ts(record) == due_ts:
                self._stage = "track"
                self._apply(key, self.tracker.on_tick(record, due_ts))

    def _apply(self, key: str, update: Update) -> None:
        if update.record is not None:
            self._stage = "table"
            # as streams/table.py writes the changelog
            table = json.dumps({"p": 0, "r": update.record.to_dict()}, separators=(",", ":"), allow_nan=False).encode()
            if len(table) >= KAFKA_MAX_RECORD:
                raise Crash(f"table record of {len(table)} bytes")
            self.records[key] = ConversationRecord.from_dict(json.loads(table)["r"])
        if update.next_due_ts is not None:
            heapq.heappush(self.due, (update.next_due_ts, key))
        for alert in update.alerts:
            self.report.alerts += 1
            self._deliver(alert)

    def _deliver(self, alert: Alert) -> None:
        self._stage = "alert"
        again = Alert.from_json(alert.to_json())
        if again != alert:
            raise Crash("Alert.from_json(alert.to_json()) differs")
        self._stage = "delivery"
        self._fixed_now = alert.fired_at
        routes = self.router.route(alert, alert.fired_at)
        notifications = [Notification(alert, r.recipient, r.role) for r in routes] or [
            Notification(alert, "supervisors", "fuzz")
        ]
        for notification in notifications[:2]:
            json.dumps(self._alertmanager.payload(notification)).encode("utf-8")
            for sink in self._sinks:
                self._loop.run_until_complete(sink.send(notification))


def cases(seed: int, count: int, mutated_share: float = 0.7) -> Iterator[Case]:
    """``count`` cases: simulator events in event-time order, most of them mutated."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible fuzz, not a secret
    config = SimulatorConfig(seed=seed, invalid_ratio=0, extra_fields_ratio=0.2, conversations_per_minute=120)
    recent: deque[dict[str, Any]] = deque(maxlen=200)
    for record in itertools.islice(Simulator(config, START).records(), count):
        body = json.loads(record.value)
        now = record.at + timedelta(seconds=rng.expovariate(1 / 30))
        kinds: tuple[str, ...] = ()
        value: dict[str, Any] | str = body
        if rng.random() < mutated_share:
            kinds = tuple(rng.choice(MUTATIONS) for _ in range(rng.choice((1, 1, 2, 3))))
            for kind in kinds:
                if kind != "bytes":
                    value = mutate(rng, value, kind, recent) if isinstance(value, dict) else value
        recent.append(body)
        yield Case(to_wire(rng, value, "bytes" in kinds), now, kinds)


def build_pipeline(sentiment: bool = False) -> Pipeline:
    settings = Settings()
    runtime = build_runtime(settings)
    classifier: Classifier = runtime.classifier() if sentiment else KeywordClassifier()
    return Pipeline(runtime, classifier, settings.limits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sentiment", action="store_true", help="classify with the shipped model")
    args = parser.parse_args(argv)
    pipeline = build_pipeline(args.sentiment)
    started = time.perf_counter()
    for case in cases(args.seed, args.cases):
        pipeline.run(case)
    elapsed = time.perf_counter() - started
    pipeline.close()
    report = pipeline.report
    print(f"cases {report.cases}  accepted {report.accepted}  alerts {report.alerts}  seed {args.seed}")
    print("dead-lettered by reason: " + ", ".join(f"{r} {n}" for r, n in report.dead_letters.most_common()))
    print(f"crashes: {sum(report.crashes.values())}")
    for (stage, name), n in report.crashes.most_common():
        print(f"  {stage} {name} x{n}: {report.examples[(stage, name)]}")
    slowest = sorted(report.slowest, reverse=True)
    shown = (f"{seconds * 1000:.1f} ms {what[:120]}" for seconds, what in slowest)
    print("slowest cases (CPU time): " + "; ".join(shown))
    print(f"{report.cases / elapsed:,.0f} cases/s ({elapsed:.1f} s)")
    return 1 if report.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
