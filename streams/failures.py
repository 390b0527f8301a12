"""The error policy of the stages: whatever a stage cannot handle is dead-lettered, not raised.

A record that passed the edge but makes a later stage raise (an encoding error, an overflow, a
bug of ours) goes to the dead-letter topic with the stage's name, the reason ``stage_error``, the
exception and the original bytes, is counted in ``supportwatch_stage_errors_total{stage}``, and the
stage goes on with the next record.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from prometheus_client import Counter

log = logging.getLogger(__name__)

DETAIL_LIMIT = 500
T = TypeVar("T")


class Stage(StrEnum):
    CLASSIFY = "classify"  # the event is still tracked, without a sentiment
    TRACK = "track"
    STORE = "store"  # the conversation's record could not be stored: the batch's events for it are not applied
    TICK = "tick"
    CUSTOMER = "customer"  # a conversation fact the customer stage cannot read or apply
    EMIT = "emit"
    DELIVER = "deliver"


def stage_letter(
    stage: Stage,
    exc: BaseException,
    original: bytes,
    *,
    received_at: datetime,
    source_topic: str,
    partition: int | None,
    offset: int | None,
) -> bytes:
    """The dead-letter record of a stage failure (the edge's fields plus ``stage``)."""
    try:
        original_text: str | None = original.decode("utf-8")
    except UnicodeDecodeError:
        original_text = None
    detail = f"{type(exc).__name__}: {exc}"
    if len(detail) > DETAIL_LIMIT:
        detail = detail[: DETAIL_LIMIT - 1] + "…"
    return json.dumps(
        {
            "stage": stage.value,
            "reason": "stage_error",
            "detail": detail,
            "original_base64": base64.b64encode(original).decode("ascii"),
            "original_text": original_text,
            "received_at": received_at.isoformat(),
            "source_topic": source_topic,
            "partition": partition,
            "offset": offset,
        },
        ensure_ascii=True,
    ).encode("ascii")


def log_failure(stage: Stage, exc: BaseException, where: str) -> None:
    log.error("stage %s failed on %s: %s: %s", stage.value, where, type(exc).__name__, exc,
              exc_info=(type(exc), exc, exc.__traceback__))


def read_stored(decoder: Callable[[bytes], T], stored: bytes, stage: Stage, what: str, errors: Counter) -> T | None:
    """``decoder(stored)``, or None when a stored table record cannot be read: logged, and counted in
    ``errors`` (``supportwatch_stage_errors_total``) under ``stage``."""
    try:
        return decoder(stored)
    except Exception as exc:  # noqa: BLE001 - an unreadable record is skipped, counted and logged
        log_failure(stage, exc, what)
        errors.labels(stage=stage.value).inc()
        return None
