"""What travels between the stages and into the tables, encoded and decoded in one place.

| what | where | key | value |
| --- | --- | --- | --- |
| a v1 event | events topic | conversation id | JSON, read at the edge by :func:`supportwatch.events.decode_event` |
| a remembered tier | events topic | conversation id | a v1 ``assignment`` event (:func:`tier_record`) |
| a conversation fact | customers topic | customer id | :class:`~supportwatch.customers.ConversationFact` JSON |
| an alert | alerts topic | conversation id, else channel | :class:`~supportwatch.alerts.Alert` JSON |
| a conversation | conversations table | conversation id | ``{"p": partition, "r": ConversationRecord.to_dict()}`` |
| a customer | customers table | customer id | ``{"p": partition, "r": CustomerState.to_dict()}`` |
| a dead letter | dead-letter topic | stage or reason | :func:`supportwatch.streams.failures.stage_letter` |

A table value keeps its partition (the input partition that owns the conversation, or the customers
partition), so each partition's deadline index and at-risk board can be rebuilt from the table.
An alert or fact that cannot be encoded becomes a dead letter of the ``emit`` stage instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from supportwatch.alerts import Alert
from supportwatch.base.clock import Now
from supportwatch.customers import ConversationFact, CustomerState, tier_event
from supportwatch.metrics import PipelineMetrics
from supportwatch.streams.failures import Stage, log_failure, stage_letter
from supportwatch.tracking import ConversationRecord

Record = tuple[str, str, bytes]  # (topic, key, value)


def _compact(data: object) -> bytes:
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()


def encode(partition: int, record: ConversationRecord) -> bytes:
    return _compact({"p": partition, "r": record.to_dict()})


def decode(value: bytes) -> tuple[int, ConversationRecord]:
    data = json.loads(value)
    return int(data["p"]), ConversationRecord.from_dict(data["r"])


def encode_customer(partition: int, state: CustomerState) -> bytes:
    return _compact({"p": partition, "r": state.to_dict()})


def decode_customer(value: bytes) -> tuple[int, CustomerState]:
    data = json.loads(value)
    return int(data["p"]), CustomerState.from_dict(data["r"])


def tier_record(events_topic: str, fact: ConversationFact, tier: str) -> Record:
    """The ``assignment`` event that gives a new conversation its customer's remembered tier."""
    return events_topic, fact.conversation_id, _compact(tier_event(fact, tier))


def encoded_alerts(alerts: Iterable[Alert], alerts_topic: str, deadletter_topic: str,
                   metrics: PipelineMetrics, now: Now) -> list[Record]:
    """Alerts as records of the alerts topic (keyed by conversation, else channel)."""
    out = []
    for alert in alerts:
        try:
            out.append((alerts_topic, alert.conversation_id or alert.channel, alert.to_json()))
        except Exception as exc:  # noqa: BLE001 - an alert we cannot encode is dead-lettered
            out.append(_unencodable(exc, f"alert {alert.id}", repr(alert), alerts_topic, deadletter_topic,
                                    metrics, now))
    return out


def encoded_facts(facts: Iterable[ConversationFact], customers_topic: str, deadletter_topic: str,
                  metrics: PipelineMetrics, now: Now) -> list[Record]:
    """Facts as records of the customers topic (keyed by customer)."""
    out = []
    for fact in facts:
        try:
            out.append((customers_topic, fact.customer_id, fact.to_json()))
        except Exception as exc:  # noqa: BLE001 - a fact we cannot encode is dead-lettered
            out.append(_unencodable(exc, f"the fact of conversation {fact.conversation_id!r}", repr(fact),
                                    customers_topic, deadletter_topic, metrics, now))
    return out


def _unencodable(exc: Exception, what: str, shown: str, topic: str, deadletter_topic: str,
                 metrics: PipelineMetrics, now: Now) -> Record:
    log_failure(Stage.EMIT, exc, what)
    metrics.stage_errors.labels(stage=Stage.EMIT.value).inc()
    letter = stage_letter(Stage.EMIT, exc, shown.encode("utf-8", "backslashreplace"),
                          received_at=now(), source_topic=topic, partition=None, offset=None)
    return deadletter_topic, Stage.EMIT.value, letter
