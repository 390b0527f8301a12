"""The ceiling of ``pipeline_throughput.py``: a bare faust agent that decodes each JSON event and
forwards it to another topic, with the worker's producer and consumer settings.

    BARE_BROKER=kafka://127.0.0.1:9092 BARE_SOURCE=in BARE_SINK=out python benchmarks/_bare_agent.py

``BARE_FETCHER=worker`` gives it the worker's aiokafka fetcher too (supportwatch/streams/fetching.py:
no spinning on the embedded broker's empty fetches); by default it runs aiokafka's own.
"""

from __future__ import annotations

import json
import os
from typing import Any

import faust

from supportwatch.streams.fetching import use_worker_fetcher

if os.environ.get("BARE_FETCHER") == "worker":
    use_worker_fetcher()

app = faust.App(
    os.environ.get("BARE_APP_ID", "bare-agent"),
    broker=os.environ["BARE_BROKER"],
    store="memory://",
    key_serializer="raw",
    value_serializer="raw",
    consumer_auto_offset_reset="earliest",
    web_enabled=False,
    autodiscover=False,
    producer_acks=-1,
)
source = app.topic(os.environ["BARE_SOURCE"], key_type=bytes, value_type=bytes)
sink = app.topic(os.environ["BARE_SINK"], key_type=bytes, value_type=bytes)


@app.agent(source)
async def forward(stream: Any) -> None:
    async for event in stream.events():
        try:
            value = json.dumps(json.loads(event.value)).encode()
        except ValueError:  # the simulator's broken events: forwarded as they are
            value = event.value
        await sink.send(key=event.key, value=value)


if __name__ == "__main__":
    worker = faust.Worker(app, loglevel="warning", quiet=True)
    worker.spinner = None  # as supportwatch's worker: no DEBUG root logger for the terminal spinner
    worker.execute_from_commandline()
