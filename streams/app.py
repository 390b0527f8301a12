"""The faust app, built once from the runtime: topics, the conversation and customer tables, the
three agents (conversations, customers, deliver), the deadline and churn-risk timers and the web
pages (/metrics, conversation and customer state, the on-call API). A worker's role
(:class:`~supportwatch.settings.Role`) says which of them it wires: all, the conversations' side
or the customers' side."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import faust
from faust.sensors.prometheus import setup_prometheus_sensors
from faust.types import TP

from supportwatch.alerts import AlertDelivery
from supportwatch.runtime import Runtime
from supportwatch.settings import Settings
from supportwatch.streams.api import OnCallApi
from supportwatch.streams.codec import decode
from supportwatch.streams.conversations import ConversationStage, Prepared, RawMessage, Topics
from supportwatch.streams.customers import CustomerStage
from supportwatch.streams.deliver import DeliverStage
from supportwatch.streams.delivery import build_delivery
from supportwatch.streams.fetching import use_worker_fetcher
from supportwatch.streams.group import keep_member_id_on_stale_commit
from supportwatch.streams.lookahead import Lookahead
from supportwatch.streams.outputs import Outputs, TopicOutputs
from supportwatch.streams.progress import Committed, Highwater, PartitionProgress
from supportwatch.streams.recovery import SeekingTableManager
from supportwatch.streams.table import STORES, conversation_table, customer_table
from supportwatch.streams.windows import ResponseWindows
from supportwatch.tracking import OpenConversations
from supportwatch.tracking.reading import UpdateMetrics

log = logging.getLogger(__name__)

# How often the customers at risk are judged again by the clock (what put them at risk ages out).
RISK_CHECK_SECONDS = 60.0


class Pipeline:
    """A supportwatch worker's faust app and the stages its agents call."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        delivery: Callable[[], AlertDelivery] | None = None,
        outputs: Outputs | None = None,
        highwater: Highwater | None = None,
        committed: Committed | None = None,
    ) -> None:
        self.runtime = runtime
        s = runtime.settings
        keep_member_id_on_stale_commit()
        use_worker_fetcher()
        self.app = faust.App(
            s.group_id,
            broker=s.broker_url,
            store=STORES[s.table_store],
            datadir=str(s.data_dir),
            topic_partitions=s.topics.partitions,
            topic_replication_factor=s.topics.replication_factor,
            key_serializer="raw",
            value_serializer="raw",
            consumer_auto_offset_reset="earliest",
            TableManager=SeekingTableManager,
            web_enabled=True,
            web_bind=s.metrics_host,
            web_host=s.advertised_host or s.metrics_host,
            web_port=s.metrics_port,
            autodiscover=False,
            producer_acks=-1,
            producer_linger_ms=s.producer_linger_ms,
            broker_max_poll_records=s.consumer_max_poll_records,
            broker_session_timeout=s.group_session_timeout_seconds,
            broker_rebalance_timeout=s.group_session_timeout_seconds,
            broker_heartbeat_interval=min(3.0, s.group_session_timeout_seconds / 3),
            table_standby_replicas=s.table_standby_replicas,
        )
        names = s.topics
        self.topics = {
            name: self.app.topic(name, key_type=bytes, value_type=bytes, partitions=names.partitions)
            for name in names.all()
        }
        self.outputs = outputs = outputs if outputs is not None else TopicOutputs(self.topics)
        self._names = Topics(source=names.events, alerts=names.alerts, deadletter=names.deadletter,
                             customers=names.customers)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentiment")
        self.progress = PartitionProgress(highwater or self._highwater, committed or self._committed)
        self._delivery_factory = delivery or self._default_delivery
        self._deliver: DeliverStage | None = None
        self._stage: ConversationStage | None = None
        self._customer_stage: CustomerStage | None = None
        if s.role.runs_conversations:
            self._wire_conversations()
        if s.role.runs_customers:
            self._wire_customers()
        setup_prometheus_sensors(self.app, registry=runtime.registry, name_prefix="supportwatch_faust")

    @property
    def stage(self) -> ConversationStage:
        """The conversation stage; a ``customers`` worker has none."""
        if self._stage is None:
            raise RuntimeError(f"a {self.runtime.settings.role} worker runs no conversation stage")
        return self._stage

    @property
    def customer_stage(self) -> CustomerStage:
        """The customer stage; a ``conversations`` worker has none."""
        if self._customer_stage is None:
            raise RuntimeError(f"a {self.runtime.settings.role} worker runs no customer stage")
        return self._customer_stage

    def _highwater(self, partition: int) -> int | None:
        tp = TP(self.runtime.settings.topics.events, partition)
        try:
            highwater = self.app.consumer.highwater(tp)
        except Exception:  # noqa: BLE001 - not assigned or not fetched yet: unknown
            return None
        return None if highwater is None else int(highwater)

    def _committed(self, partition: int) -> int | None:
        """The group's committed offset as faust's consumer last set it (on its seek after a rebalance
        and on every commit), with no broker call; faust keeps it in ``Consumer._committed_offset``."""
        tp = TP(self.runtime.settings.topics.events, partition)
        committed = getattr(self.app.consumer, "_committed_offset", {}).get(tp)
        return None if committed is None else int(committed)

    def _default_delivery(self) -> AlertDelivery:
        return build_delivery(self.runtime)

    def deliver_stage(self) -> DeliverStage:
        if self._deliver is None:
            s = self.runtime.settings
            self._deliver = DeliverStage(
                self._delivery_factory(), outputs=self.outputs, deadletter_topic=s.topics.deadletter,
                source_topic=s.topics.alerts, metrics=self.runtime.pipeline_metrics, now=self.runtime.now,
            )
        return self._deliver

    def _wire_conversations(self) -> None:
        """The conversation table and stage, the conversations and deliver agents, the deadline and
        channel-goal timers, the conversation page and the on-call API."""
        app, runtime, s = self.app, self.runtime, self.runtime.settings
        self.conversations = table = conversation_table(app, s.topics.partitions)
        self.windows = ResponseWindows(runtime.registry, runtime.config.channel_goals, s.alerts.link_template,
                                       runtime.now)
        self.open_conversations = OpenConversations()
        runtime.tracking_metrics.watch(self.open_conversations)
        self._stage = stage = ConversationStage(
            tracker=runtime.tracker, table=table, topics=self._names, outputs=self.outputs, limits=s.limits,
            classifier=runtime.classifier if s.sentiment_enabled else None, backend=s.model.backend,
            progress=self.progress, open_conversations=self.open_conversations,
            pipeline_metrics=runtime.pipeline_metrics, sentiment_metrics=runtime.sentiment_metrics,
            reader=UpdateMetrics(runtime.sla_metrics, runtime.mood_metrics, runtime.tracking_metrics,
                                 self.windows.record, runtime.pipeline_metrics.dropped_event),
            now=runtime.now, executor=self._executor,
        )
        events, alerts = self.topics[s.topics.events], self.topics[s.topics.alerts]

        @app.agent(events, name="conversations")
        async def conversations(stream: Any) -> None:
            def prepare(batch: Sequence[Any]) -> Prepared:
                return stage.prepare(_raw(batch))

            await Lookahead(prepare, stage.apply, _acker(stream)).run(_batches(stream, s))

        @app.agent(alerts, name="deliver")
        async def deliver(stream: Any) -> None:
            delivering = self.deliver_stage()
            async for batch in stream.take_events(s.sentiment_batch_size, within=s.sentiment_batch_within_seconds):
                await delivering.process_many([(e.value, e.message.partition, e.message.offset) for e in batch])

        @app.task
        async def drain() -> None:
            await self.deliver_stage().drain_forever()

        @app.timer(s.tick_interval_seconds)
        async def deadlines() -> None:
            await stage.fire_due()

        @app.timer(self.windows.check_interval)
        async def channel_goals() -> None:
            await stage.emit(self.windows.degradation(runtime.now()))

        table.on_recover(self._on_recover)

        @app.page("/conversations/{conversation_id}/")
        @app.table_route(table=table, match_info="conversation_id")
        async def conversation(web: Any, request: Any, conversation_id: str) -> Any:
            stored = table.get(conversation_id)
            if stored is None:
                return web.json({"error": f"no open conversation {conversation_id!r}"}, status=404)
            record = decode(stored)[1]
            return web.json(runtime.tracker.describe(record, runtime.now()))

        self.api = OnCallApi(app, s, self.open_conversations, alerts, runtime.now)

    def _wire_customers(self) -> None:
        """The customer table and stage, the customers agent, the churn-risk timer and the customer page."""
        app, runtime, s = self.app, self.runtime, self.runtime.settings
        self.customers = table = customer_table(app, s.topics.partitions, s.customer_changelog)
        self._customer_stage = stage = CustomerStage(
            tracker=runtime.customer_tracker, table=table, topics=self._names, outputs=self.outputs,
            metrics=runtime.customer_metrics, pipeline_metrics=runtime.pipeline_metrics, now=runtime.now,
        )

        @app.agent(self.topics[s.topics.customers], name="customers")
        async def customers(stream: Any) -> None:
            def prepare(batch: Sequence[Any]) -> asyncio.Future[None]:
                return stage.prepare(_raw(batch))

            await Lookahead(prepare, _applied, _acker(stream)).run(_batches(stream, s))

        @app.timer(RISK_CHECK_SECONDS)
        async def churn_risk() -> None:
            await stage.reevaluate()

        table.on_recover(self._on_recover_customers)

        @app.page("/customers/{customer_id}/")
        @app.table_route(table=table, match_info="customer_id")
        async def customer(web: Any, request: Any, customer_id: str) -> Any:
            state = stage.load(customer_id)
            if state is None:
                return web.json({"error": f"no customer {customer_id!r}"}, status=404)
            return web.json(runtime.customer_tracker.describe(state, runtime.now()))

    def _assigned(self, topic: str) -> set[int]:
        """The partitions of ``topic`` this worker owns (active, not standby)."""
        return {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == topic}

    async def _on_recover(self) -> None:
        assigned = self._assigned(self.runtime.settings.topics.events)
        self.stage.revoke(p for p in range(self.runtime.settings.topics.partitions) if p not in assigned)
        now_ts = self.runtime.now().timestamp()
        for partition in assigned:
            self.progress.start(partition, now_ts)
        count = self.stage.rebuild(self.conversations.items(), assigned)
        log.info("deadline index rebuilt: %d open conversations in partitions %s", count, sorted(assigned))

    async def _on_recover_customers(self) -> None:
        assigned = self._assigned(self.runtime.settings.topics.customers)
        count = self.customer_stage.rebuild(self.customers.items(), assigned)
        log.info("customers rebuilt: %d customers in partitions %s", count, sorted(assigned))


def _batches(stream: Any, s: Settings) -> Any:
    """The stream's events in batches, acknowledged by the agent once applied (``noack_take``),
    not when the next batch is taken."""
    return stream.noack_take(s.sentiment_batch_size, within=s.sentiment_batch_within_seconds)


def _raw(batch: Sequence[Any]) -> list[RawMessage]:
    return [RawMessage(e.value, e.message.partition, e.message.offset) for e in batch]


def _acker(stream: Any) -> Callable[[Sequence[Any]], Awaitable[None]]:
    async def ack(batch: Sequence[Any]) -> None:
        for event in batch:
            await stream.ack(event)

    return ack


async def _applied(done: Awaitable[None]) -> Awaitable[None]:
    """The customer stage applies a batch as it prepares it: what is left is the acknowledgement."""
    return done


def build_app(runtime: Runtime) -> Pipeline:
    return Pipeline(runtime)
