"""Stage 1, ingest: validate raw messages at the edge and classify customer messages in batches.

Invalid messages go to the dead-letter topic with the original bytes and a reason; valid events
go on, keyed by conversation id, with the sentiment of customer messages attached.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from events import DeadLetter, Event, InvalidEvent, decode_event
from models.metrics import SentimentMetrics
from models.protocol import Classifier, Sentiment
from models.text import clean
from streams.outputs import Outputs
from supportwatch.clock import Now
from supportwatch.metrics import PipelineMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawMessage:
    value: bytes
    partition: int | None = None
    offset: int | None = None


def classified_record(event: Event, sentiment: Sentiment | None) -> bytes:
    return json.dumps(
        {"event": event.model_dump(mode="json"), "sentiment": sentiment.to_dict() if sentiment else None},
        ensure_ascii=False,
    ).encode("utf-8")


class IngestStage:
    def __init__(
        self,
        *,
        source_topic: str,
        classified_topic: str,
        deadletter_topic: str,
        max_text_bytes: int,
        classifier: Callable[[], Classifier],
        backend: str,
        pipeline_metrics: PipelineMetrics,
        sentiment_metrics: SentimentMetrics,
        outputs: Outputs,
        now: Now,
        executor: Executor | None = None,
    ) -> None:
        self._source = source_topic
        self._classified = classified_topic
        self._deadletter = deadletter_topic
        self._max_text_bytes = max_text_bytes
        self._classifier = classifier
        self._backend = backend
        self._pipeline = pipeline_metrics
        self._sentiment = sentiment_metrics
        self._outputs = outputs
        self._now = now
        self._executor = executor

    async def process(self, batch: Sequence[RawMessage]) -> None:
        valid = [event for event in [await self._validate(raw) for raw in batch] if event is not None]
        sentiments = await self._classify(valid)
        for event, sentiment in zip(valid, sentiments, strict=True):
            self._pipeline.events.labels(channel=event.channel.value, type=event.type.value).inc()
            if sentiment is not None:
                self._sentiment.observe(event.channel.value, sentiment)
            await self._outputs.send(self._classified, event.conversation_id, classified_record(event, sentiment))

    async def _validate(self, raw: RawMessage) -> Event | None:
        try:
            return decode_event(raw.value, self._max_text_bytes)
        except InvalidEvent as exc:
            self._pipeline.invalid.labels(reason=exc.reason).inc()
            letter = DeadLetter(
                reason=exc.reason, detail=exc.detail, original=raw.value, received_at=self._now(),
                source_topic=self._source, partition=raw.partition, offset=raw.offset,
            )
            log.warning("dead-lettered message at %s[%s]@%s: %s", self._source, raw.partition, raw.offset, exc)
            await self._outputs.send(self._deadletter, exc.reason, letter.to_json())
            return None

    async def _classify(self, events: Sequence[Event]) -> list[Sentiment | None]:
        """One model call for the whole batch, off the event loop so SLA timers keep firing."""
        texts: list[str] = []
        where: list[int] = []
        for i, event in enumerate(events):
            if event.is_customer_message and event.text and clean(event.text):
                texts.append(event.text)
                where.append(i)
        out: list[Sentiment | None] = [None] * len(events)
        if not texts:
            return out
        classifier = self._classifier()
        started = time.perf_counter()
        results = await asyncio.get_running_loop().run_in_executor(self._executor, classifier.classify, texts)
        self._sentiment.observe_batch(self._backend, len(texts), time.perf_counter() - started)
        for i, sentiment in zip(where, results, strict=True):
            out[i] = sentiment
        return out
