"""The faust app, built once from the runtime: topics, the conversation table, the three agents
(ingest, track, deliver), the deadline timer and the web pages (/metrics, conversation state)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
from faust.sensors.prometheus import setup_prometheus_sensors

from alerts import AlertDelivery, Router, build_sinks, connect_redis, http_client
from sla import DeadlineIndex
from streams.deliver import DeliverStage
from streams.ingest import IngestStage, RawMessage
from streams.outputs import Outputs, TopicOutputs
from streams.track import TICK, TrackStage
from streams.windows import ResponseWindows, json_schema
from supportwatch.runtime import Runtime
from tracking import ConversationRecord, OpenConversations

log = logging.getLogger(__name__)


class Pipeline:
    """A supportwatch worker's faust app and the stages its agents call."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        delivery: Callable[[], AlertDelivery] | None = None,
        outputs: Outputs | None = None,
    ) -> None:
        self.runtime = runtime
        s = runtime.settings
        self.app = faust.App(
            s.app_id,
            broker=s.broker_url,
            store="memory://",
            datadir=str(s.data_dir),
            topic_partitions=s.topics.partitions,
            topic_replication_factor=s.topics.replication_factor,
            key_serializer="raw",
            value_serializer="raw",
            consumer_auto_offset_reset="earliest",
            web_enabled=True,
            web_bind=s.metrics_host,
            web_host=s.advertised_host or s.metrics_host,
            web_port=s.metrics_port,
            autodiscover=False,
            producer_acks=-1,
        )
        names = s.topics
        self.topics = {
            name: self.app.topic(name, key_type=bytes, value_type=bytes, partitions=names.partitions)
            for name in names.all()
        }
        self.outputs = outputs = outputs if outputs is not None else TopicOutputs(self.topics)
        self.conversations = self.app.Table(
            "conversations", default=None, partitions=names.partitions, schema=json_schema(),
        )
        self.windows = ResponseWindows(
            self.app, names.partitions, runtime.registry, runtime.config.channel_goals, s.alerts.link_template,
            runtime.now,
        )
        self.open_conversations = OpenConversations()
        runtime.tracking_metrics.watch(self.open_conversations)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentiment")
        self.ingest = IngestStage(
            source_topic=names.events, classified_topic=names.classified, deadletter_topic=names.deadletter,
            max_text_bytes=s.max_text_bytes, classifier=runtime.classifier, backend=s.model.backend,
            pipeline_metrics=runtime.pipeline_metrics, sentiment_metrics=runtime.sentiment_metrics,
            outputs=outputs, now=runtime.now, executor=self._executor,
        )
        self.track = TrackStage(
            tracker=runtime.tracker, table=self.conversations, deadlines=DeadlineIndex(),
            open_conversations=self.open_conversations, alerts_topic=names.alerts, outputs=outputs,
            pipeline_metrics=runtime.pipeline_metrics, sla_metrics=runtime.sla_metrics,
            mood_metrics=runtime.mood_metrics, tracking_metrics=runtime.tracking_metrics,
            record_outcome=self.windows.record, now=runtime.now,
        )
        self._delivery_factory = delivery or self._default_delivery
        self._deliver: DeliverStage | None = None
        self._wire()

    def _default_delivery(self) -> AlertDelivery:
        r = self.runtime
        a = r.settings.alerts
        router = Router(r.config.routing, calendars=r.config.policies.calendars)
        sinks = build_sinks(a, http_client(a), sys.stdout, r.now)
        return AlertDelivery(a, router, connect_redis(a), sinks, r.alert_metrics, r.now)

    def deliver_stage(self) -> DeliverStage:
        if self._deliver is None:
            self._deliver = DeliverStage(self._delivery_factory())
        return self._deliver

    def _wire(self) -> None:
        app, s = self.app, self.runtime.settings
        events, classified, alerts = (self.topics[n] for n in (s.topics.events, s.topics.classified, s.topics.alerts))

        @app.agent(events, name="ingest")
        async def ingest(stream: Any) -> None:
            async for batch in stream.take_events(s.sentiment_batch_size, within=s.sentiment_batch_within_seconds):
                await self.ingest.process(
                    [RawMessage(e.value, e.message.partition, e.message.offset) for e in batch]
                )

        @app.agent(classified, name="track")
        async def track(stream: Any) -> None:
            async for event in stream.events():
                await self.track.process(event.key.decode("utf-8"), event.value, event.message.partition)

        @app.agent(alerts, name="deliver")
        async def deliver(stream: Any) -> None:
            stage = self.deliver_stage()
            async for value in stream:
                await stage.process(value)

        @app.task
        async def drain() -> None:
            await self.deliver_stage().drain_forever()

        @app.timer(s.tick_interval_seconds)
        async def ticks() -> None:
            for key in self.track.due_now():
                await self.outputs.send(s.topics.classified, key, TICK)

        @app.timer(self.windows.check_interval)
        async def channel_goals() -> None:
            await self.track.emit(self.windows.degradation(self.runtime.now()))

        self.conversations.on_recover(self._on_recover)

        @app.page("/conversations/{conversation_id}/")
        @app.table_route(table=self.conversations, match_info="conversation_id")
        async def conversation(web: Any, request: Any, conversation_id: str) -> Any:
            stored = self.conversations.get(conversation_id)
            if stored is None:
                return web.json({"error": f"no open conversation {conversation_id!r}"}, status=404)
            record = ConversationRecord.from_dict(stored["r"])
            return web.json(self.runtime.tracker.describe(record, self.runtime.now()))

        setup_prometheus_sensors(app, registry=self.runtime.registry, name_prefix="supportwatch_faust")

    async def _on_recover(self) -> None:
        classified = self.runtime.settings.topics.classified
        partitions = {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == classified}
        count = self.track.rebuild(self.conversations.items(), partitions)
        log.info("deadline index rebuilt: %d open conversations in partitions %s", count, sorted(partitions))


def build_app(runtime: Runtime) -> Pipeline:
    return Pipeline(runtime)
