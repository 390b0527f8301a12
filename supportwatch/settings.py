"""The one settings object, built once at start-up from ``SUPPORTWATCH_*`` environment variables
(nested fields with ``__``, e.g. ``SUPPORTWATCH_TOPICS__PARTITIONS=8``) and passed down."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from supportwatch.alerts.settings import AlertSettings
from supportwatch.events.limits import EventLimits
from supportwatch.models.settings import ModelSettings


class Topics(BaseModel):
    model_config = ConfigDict(frozen=True)

    events: str = "supportwatch.events"
    alerts: str = "supportwatch.alerts"
    deadletter: str = "supportwatch.deadletter"
    customers: str = "supportwatch.customers"  # conversation facts, keyed by customer id
    partitions: int = Field(default=4, ge=1, le=256)
    replication_factor: int = Field(default=1, ge=1)

    def all(self) -> dict[str, int]:
        """Every topic supportwatch creates at start-up, with its partition count."""
        return {name: self.partitions for name in (self.events, self.alerts, self.deadletter, self.customers)}


class Role(StrEnum):
    """The stages a worker runs. ``all`` (the default): every stage in one process. A busy floor
    splits them into two kinds of worker, each its own consumer group, scaled on its own:
    ``conversations`` (the input events, the SLA deadlines, delivery, the on-call API and the
    conversation pages) and ``customers`` (the customer stage, the churn-risk timer and the
    customer pages). A customer's warning then waits for the customer stage's own interpreter,
    not for the conversations' (BENCHMARKS.md "SLA live firing")."""

    ALL = "all"
    CONVERSATIONS = "conversations"
    CUSTOMERS = "customers"

    @property
    def runs_conversations(self) -> bool:
        return self is not Role.CUSTOMERS

    @property
    def runs_customers(self) -> bool:
        return self is not Role.CONVERSATIONS


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SUPPORTWATCH_", env_nested_delimiter="__", frozen=True, extra="ignore"
    )

    app_id: str = "supportwatch"
    role: Role = Field(default=Role.ALL, description="the stages this worker runs (all, conversations, customers)")
    broker_url: str = "kafka://127.0.0.1:9092"
    topics: Topics = Topics()
    policy_file: Path | None = Field(default=None, description="YAML config; None = the shipped default")
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=1, le=65535)
    advertised_host: str | None = Field(
        default=None, description="host other workers reach this one at (conversation lookups); default metrics_host"
    )
    api_token: SecretStr | None = Field(
        default=None, description="bearer token of the on-call API (ack, snooze); unset: the API answers 401"
    )
    data_dir: Path = Path(".supportwatch")
    limits: EventLimits = EventLimits()
    lateness_seconds: float = Field(default=60.0, ge=0)
    tick_interval_seconds: float = Field(default=0.2, gt=0)
    table_store: Literal["memory", "rocksdb"] = Field(
        default="memory", description="faust store of the conversation table; rocksdb needs the rocksdb extra"
    )
    # How long the group waits for a member that stopped heartbeating or rejoining before it hands
    # the member's partitions to the others (faust's broker_session_timeout and
    # broker_rebalance_timeout). Shorter: a crashed worker's conversations fire sooner elsewhere;
    # too short: a worker stalled by a long batch is evicted.
    group_session_timeout_seconds: float = Field(default=60.0, ge=6, le=90)
    # Workers that keep a warm copy of another worker's conversation table partitions. 0 by default:
    # with the memory store a taken-over partition is read from the changelog's start either way,
    # and faust's standby-to-active switch left the recovery of those partitions waiting forever in
    # 1 of 8 scale-out runs on the embedded broker (tests/integration/test_scale_out.py).
    table_standby_replicas: int = Field(default=0, ge=0, le=3)
    producer_linger_ms: int = Field(default=5, ge=0, description="how long the producer waits to fill a batch")
    # At most this many records per poll (faust's broker_max_poll_records), each poll starting one
    # partition further on (streams/fetching.py), so that an input backlog cannot hold back the
    # customers topic's facts: after a 20,000-event backlog the paced p99 deadline -> alert was
    # 0.37 s with 500 and 16.9 s with unbounded polls (BENCHMARKS.md "Customer stage").
    consumer_max_poll_records: int = Field(default=500, ge=1)
    # Events per classify call: the classifier sorts them by length into model.batch_size batches,
    # so a large take pads little (256: ~1.5x the messages/s of 32, BENCHMARKS.md "Sentiment").
    sentiment_batch_size: int = Field(default=256, ge=1)
    sentiment_enabled: bool = Field(default=True, description="classify customer messages (false: SLA only)")
    sentiment_batch_within_seconds: float = Field(default=0.05, gt=0)
    model: ModelSettings = ModelSettings()
    alerts: AlertSettings = AlertSettings()

    @field_validator("api_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def group_id(self) -> str:
        """The faust app id, so the consumer group, of this worker's role: a customers worker has
        its own, as it consumes another topic; the customer table's changelog keeps the name it has
        in an ``all`` worker (:attr:`customer_changelog`)."""
        return f"{self.app_id}-customers" if self.role is Role.CUSTOMERS else self.app_id

    @property
    def customer_changelog(self) -> str:
        """The customer table's changelog topic, the same whichever role holds the table."""
        return f"{self.app_id}-customers-changelog"

    @property
    def web_url(self) -> str:
        """This worker's web server (/metrics, the on-call API, the worklist) as the CLI reaches it."""
        return f"http://{self.metrics_host}:{self.metrics_port}"

    @property
    def bootstrap_servers(self) -> str:
        """``kafka://h1:p1;h2:p2`` as aiokafka's ``h1:p1,h2:p2``."""
        return ",".join(part.split("://", 1)[-1] for part in self.broker_url.replace(";", ",").split(","))
