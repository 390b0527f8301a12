"""Settings of alert delivery: sinks (secrets as SecretStr), Redis, dedup and retry behaviour."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class AlertSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # sinks: a sink is built only when configured
    alertmanager_url: str | None = None  # e.g. http://127.0.0.1:9093 (the /api/v2/alerts path is added)
    slack_webhook_url: SecretStr | None = None
    webhook_url: SecretStr | None = None
    webhook_secret: SecretStr | None = None  # HMAC-SHA256 key signing the generic webhook
    log_sink: bool = True
    log_group_seconds: float = Field(default=0.0, ge=0, le=5)  # >0: one log line per alert level, recipients grouped
    log_quiet_levels: frozenset[str] = frozenset()  # levels the log sink does not print (e.g. warning)
    link_template: str = "https://helpdesk.example/conversations/{conversation_id}"
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    alertmanager_ttl_seconds: float = Field(default=86_400.0, gt=0)  # endsAt of a firing alert

    # Redis: dedup keys, "notified" sets and the outbox stream live under redis_prefix
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_password: SecretStr | None = None
    redis_prefix: str = "supportwatch:alerts:"
    dedup_ttl_seconds: int = Field(default=7 * 86_400, gt=0)
    consumer_group: str = "delivery"
    consumer_name: str = "delivery-1"  # stable per worker, so a restarted worker re-reads its own pending
    claim_idle_seconds: float = Field(default=60.0, gt=0)  # take over entries a dead consumer left pending

    # delivery loop and retries (exponential backoff with jitter, no attempt limit for transient failures)
    batch_size: int = Field(default=200, gt=0)
    concurrency: int = Field(default=32, gt=0)
    poll_seconds: float = Field(default=0.5, gt=0)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
